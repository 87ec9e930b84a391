"""LaaS's documented limits, in one place (the plugin and the emulator both read them), and
the plugin's own bounds on the work it does to adapt what LaaS cannot take as it is.

MB here is 1024 * 1024 bytes, counted on the decoded file, not on its base64 text.
"""

MB = 1024 * 1024

IMAGE_MAX_BYTES = 4 * MB
IMAGES_PER_MESSAGE = 3
IMAGE_TYPES = ("image/jpeg", "image/png")
# LaaS's docs recommend at most this many px on an image's longest side (Claude downsizes
# past it anyway); Claude refuses images over 8000 px a side.
IMAGE_ADVISED_SIDE = 1568
IMAGE_SIDE_CAP = 8000

PDF_MAX_BYTES = 32 * MB
PDF_MAX_PAGES = 20

# --- the plugin's own bounds (docs/multimodal.md, docs/security.md) ------------------------

# An image the plugin adapts: at most this big on the wire and when decoded (read from the
# header before any pixel is), re-encoded to at most this (5 MB of base64, under LaaS's 4 MB).
IMAGE_INPUT_MAX_BYTES = 20 * MB
IMAGE_MAX_PIXELS = 50_000_000
IMAGE_TARGET_BYTES = 3 * MB + 3 * MB // 4
IMAGE_ICC_MAX_BYTES = 64 * 1024  # a colour profile up to this size is kept
# A text file (Markdown, CSV, JSON, source code) inlined as a text part.
TEXT_FILE_MAX_BYTES = 1 * MB
