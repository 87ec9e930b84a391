"""The emulator's own check of images and PDFs, written apart from the plugin's (only the
numbers are shared), so a plugin bug that lets a bad part through shows up as LaaS's 400."""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader

from .. import limits

# Claude refuses an image over 8000 px a side (docs/assumptions.md); a LaaS that keeps
# images under its own recommended 1568 px would refuse more (``refuse_over_1568_px``).
MAX_SIDE, ADVISED_SIDE = 8000, 1568
LONG_PDF_PAGES = 100  # Anthropic's limit, under ``accept_long_pdfs``
SIGNATURES = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff", "image/webp": b"RIFF",
              "image/gif": b"GIF8"}  # fmt: skip


@dataclass
class Received:
    images: int = 0
    documents: int = 0
    pages: int = 0
    # The deviation switches on (behaviour.py): accept_webp, accept_gif, accept_pdf_url,
    # accept_four_images, count_images_per_request, refuse_over_1568_px, accept_long_pdfs,
    # count_pages_per_request change the checks below.
    deviations: frozenset[str] = field(default_factory=frozenset)

    def line(self) -> str:
        return f"received: {self.images} images, {self.documents} documents, {self.pages} pages"


def _decode(url: str) -> tuple[str, bytes] | None:
    header, _, payload = url.partition(",")
    if not header.startswith("data:") or not header.endswith(";base64"):
        return None
    try:
        return header[5:-7], base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def _sides(data: bytes) -> tuple[int, int] | None:
    """Width and height read from the image's header (nothing is decoded), or None."""
    from PIL import Image  # only when an image arrives: the emulator starts without it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except Image.DecompressionBombError:  # over twice MAX_IMAGE_PIXELS: far over 8000 px a side
        return (MAX_SIDE + 1, MAX_SIDE + 1)
    except Exception:  # not an image Pillow reads: the signature check has its say
        return None


def _image_limit(on: frozenset[str], images_here: int, images_before: int) -> str | None:
    if "accept_four_images" in on:
        return None
    if "count_images_per_request" in on:
        if images_before >= limits.IMAGES_PER_MESSAGE:
            return f"at most {limits.IMAGES_PER_MESSAGE} images per request"
        return None
    if images_here >= limits.IMAGES_PER_MESSAGE:
        return f"at most {limits.IMAGES_PER_MESSAGE} images per message"
    return None


def check_part(part: dict[str, Any], where: str, seen: Received, images_here: int) -> str | None:
    """Why LaaS would refuse this image or document part, or None (and count it)."""
    kind = part.get("type")
    if kind == "image_url":
        url = (part.get("image_url") or {}).get("url")
        if not isinstance(url, str):
            return f"{where}: image_url.url is required"
        on = seen.deviations
        too_many = _image_limit(on, images_here, seen.images)
        if too_many:
            return f"{where}: {too_many}"
        if url.startswith("data:"):
            decoded = _decode(url)
            if decoded is None:
                return f"{where}: invalid base64 image"
            mime, data = decoded
            extra = {"image/webp": "accept_webp", "image/gif": "accept_gif"}.get(mime)
            if mime not in limits.IMAGE_TYPES and extra not in on:
                return f"{where}: unsupported image type {mime}"
            if len(data) > limits.IMAGE_MAX_BYTES:
                return f"{where}: image larger than {limits.IMAGE_MAX_BYTES // limits.MB} MB"
            if mime not in SIGNATURES or not data.startswith(SIGNATURES[mime]):
                return f"{where}: image content does not match {mime}"
            side = ADVISED_SIDE if "refuse_over_1568_px" in on else MAX_SIDE
            sides = _sides(data)
            if sides and max(sides) > side:
                return f"{where}: image is {sides[0]}x{sides[1]} px; at most {side} px a side"
        elif not url.startswith(("https://", "http://")):
            return f"{where}: unsupported image URL"
        seen.images += 1
        return None
    if kind == "document":
        url = (part.get("document_url") or {}).get("url")
        on = seen.deviations
        if "accept_pdf_url" in on and str(url).startswith(("https://", "http://")):
            seen.documents += 1
            return None
        decoded = _decode(url) if isinstance(url, str) else None
        if decoded is None or decoded[0] != "application/pdf":
            return f"{where}: documents must be base64 PDF data URLs"
        data = decoded[1]
        if len(data) > limits.PDF_MAX_BYTES:
            return f"{where}: PDF larger than {limits.PDF_MAX_BYTES // limits.MB} MB"
        try:
            pages = len(PdfReader(io.BytesIO(data)).pages)
        except Exception:
            return f"{where}: unreadable PDF"
        # Assumed per document; a LaaS may count the request's pages (or have no such limit).
        most = LONG_PDF_PAGES if "accept_long_pdfs" in on else limits.PDF_MAX_PAGES
        if "count_pages_per_request" in on and seen.pages + pages > most:
            return f"{where}: PDFs have more than {most} pages in all"
        if pages > most:
            return f"{where}: PDF has more than {most} pages"
        seen.documents += 1
        seen.pages += pages
        return None
    return f"{where}: unsupported part type {kind!r}"
