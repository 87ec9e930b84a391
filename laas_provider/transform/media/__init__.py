"""Image and PDF parts: read, checked and turned into LaaS parts (pure; no I/O)."""
