"""LaaS's documented limits, in one place (the plugin and the emulator both read them).

MB here is 1024 * 1024 bytes, counted on the decoded file, not on its base64 text.
"""

MB = 1024 * 1024

IMAGE_MAX_BYTES = 4 * MB
IMAGES_PER_MESSAGE = 3
IMAGE_TYPES = ("image/jpeg", "image/png")

PDF_MAX_BYTES = 32 * MB
PDF_MAX_PAGES = 20
