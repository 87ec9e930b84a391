"""The emulator's own check of images and PDFs, written apart from the plugin's (only the
numbers are shared), so a plugin bug that lets a bad part through shows up as LaaS's 400."""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader

from .. import limits

SIGNATURES = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff", "image/webp": b"RIFF",
              "image/gif": b"GIF8"}  # fmt: skip


@dataclass
class Received:
    images: int = 0
    documents: int = 0
    pages: int = 0
    # Forms a deviating emulator also accepts (behaviour.py): "image/webp", "document_url".
    accept: frozenset[str] = field(default_factory=frozenset)

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


def check_part(part: dict[str, Any], where: str, seen: Received, images_here: int) -> str | None:
    """Why LaaS would refuse this image or document part, or None (and count it)."""
    kind = part.get("type")
    if kind == "image_url":
        url = (part.get("image_url") or {}).get("url")
        if not isinstance(url, str):
            return f"{where}: image_url.url is required"
        if images_here >= limits.IMAGES_PER_MESSAGE:
            return f"{where}: at most {limits.IMAGES_PER_MESSAGE} images per message"
        if url.startswith("data:"):
            decoded = _decode(url)
            if decoded is None:
                return f"{where}: invalid base64 image"
            mime, data = decoded
            if mime not in limits.IMAGE_TYPES and mime not in seen.accept:
                return f"{where}: unsupported image type {mime}"
            if len(data) > limits.IMAGE_MAX_BYTES:
                return f"{where}: image larger than {limits.IMAGE_MAX_BYTES // limits.MB} MB"
            if mime not in SIGNATURES or not data.startswith(SIGNATURES[mime]):
                return f"{where}: image content does not match {mime}"
        elif not url.startswith(("https://", "http://")):
            return f"{where}: unsupported image URL"
        seen.images += 1
        return None
    if kind == "document":
        url = (part.get("document_url") or {}).get("url")
        if "document_url" in seen.accept and str(url).startswith(("https://", "http://")):
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
        if pages > limits.PDF_MAX_PAGES:
            return f"{where}: PDF has more than {limits.PDF_MAX_PAGES} pages"
        seen.documents += 1
        seen.pages += pages
        return None
    return f"{where}: unsupported part type {kind!r}"
