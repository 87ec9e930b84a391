"""Logging in one place: the plugin logger's setup (``setup``) and the masking of secrets
in every log line and error message (``redact``)."""
