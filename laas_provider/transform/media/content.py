"""One OpenAI content part -> one LaaS part, checked against LaaS's limits (pure).

Shapes and what they become are listed in docs/multimodal.md. Big payloads are handled
carefully: sizes come from the base64 length before anything is decoded, the base64 is
validated in small chunks, only the bytes a check needs are decoded (signature, PDF trailer,
xref and page tree; see ``b64``), and a data URL that already has the header LaaS documents
(``data:<type>;base64,``) is forwarded as the very same string (no re-encoding, no copy).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ... import limits
from ...errors import refuse
from .. import checks
from . import b64, pdf

DATA_PREFIX = "data:"
HEADER_MAX = 256  # a data URL's `data:<mime>;base64,` header is short; never scan the payload

SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
NAMES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP"}
PDF = "application/pdf"
GENERIC = ("", "application/octet-stream")  # a PDF by its bytes is accepted under these
INLINE = "inline as base64 (a data:application/pdf;base64,... URL)"
INLINE_ONLY = f"LaaS needs PDFs {INLINE}"


@dataclass(frozen=True)
class DataUrl:
    mime: str
    start: int  # where the base64 payload starts in `url`
    url: str

    @property
    def b64_len(self) -> int:
        return len(self.url) - self.start

    def as_laas(self, mime: str) -> str:
        """This data URL with exactly the header LaaS documents (the same string if it has it)."""
        header = f"data:{mime};base64,"
        return self.url if self.url.startswith(header) else header + self.url[self.start :]


def parse_data_url(url: str, place: str) -> DataUrl:
    comma = url.find(",", 0, HEADER_MAX)
    header = url[len(DATA_PREFIX) : comma] if comma > 0 else ""
    if comma < 0 or not header.endswith(";base64"):
        raise refuse(place, "a data URL must look like data:<type>;base64,<data>")
    mime = header.split(";", 1)[0].strip().lower()
    return DataUrl(mime=mime, start=comma + 1, url=url)


def decoded_size(data: DataUrl, place: str) -> int:
    """The decoded size, from the base64 length alone."""
    if data.b64_len == 0:
        raise refuse(place, "the data URL is empty")
    try:
        return b64.decoded_size(data.url, data.start)
    except ValueError as exc:
        raise refuse(place, f"invalid base64: {exc}") from None


def open_checked(data: DataUrl, place: str) -> io.BufferedReader:
    """The payload as a file, once every character is known to be base64 (nothing decoded yet)."""
    try:
        b64.validate(data.url, data.start)
    except ValueError as exc:
        raise refuse(place, f"invalid base64 in the data URL: {exc}") from None
    return b64.open_payload(data.url, data.start)


def too_big(what: str, size: int, limit: int, per: str) -> str:
    shown = f"{size / limits.MB:.1f} MB"
    if round(size / limits.MB, 1) <= limit / limits.MB:  # rounding would hide the excess
        shown += f" ({size:,} bytes)"
    return f"{what} is {shown}; LaaS accepts at most {limit / limits.MB:g} MB per {per}"


def not_pdf_type(mime: str) -> str:
    hint = "; send images as image_url parts" if mime.startswith("image/") else ""
    return f"file type {mime!r} is not supported; LaaS accepts only PDF files, {INLINE}{hint}"


def sniff(head: bytes) -> str | None:
    for magic, mime in SIGNATURES:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


# --- images --------------------------------------------------------------------------------


def image_part(url: Any, place: str) -> dict[str, Any]:
    if not isinstance(url, str) or not url:
        raise refuse(f"{place}.image_url.url", "must be a URL string")
    if url.startswith(("https://", "http://")):
        return {"type": "image_url", "image_url": {"url": url}}  # LaaS fetches it; we never do
    if not url.startswith(DATA_PREFIX):
        scheme = url.split(":", 1)[0] if ":" in url else url[:16]
        raise refuse(
            place, f"unsupported image URL scheme {scheme!r}; use https:// or a base64 data URL"
        )
    data = parse_data_url(url, place)
    if data.mime == PDF:
        return document_part(data, place)
    size = decoded_size(data, place)
    if size > limits.IMAGE_MAX_BYTES:
        raise refuse(place, too_big("image", size, limits.IMAGE_MAX_BYTES, "image"))
    actual = sniff(open_checked(data, place).read(16))
    if actual not in limits.IMAGE_TYPES:
        found = NAMES.get(actual or "", "not a JPEG or PNG image")
        raise refuse(place, f"image is {found}; LaaS accepts JPEG and PNG only")
    # A declared type that disagrees with the bytes (a PNG sent as image/jpeg) is corrected:
    # LaaS takes both formats, so send the true type rather than refuse a usable image.
    return {"type": "image_url", "image_url": {"url": data.as_laas(actual)}}


# --- PDFs ----------------------------------------------------------------------------------


def document_part(data: DataUrl, place: str) -> dict[str, Any]:
    if data.mime != PDF and data.mime not in GENERIC:
        raise refuse(place, not_pdf_type(data.mime))
    size = decoded_size(data, place)
    if size > limits.PDF_MAX_BYTES:
        raise refuse(place, too_big("PDF", size, limits.PDF_MAX_BYTES, "PDF"))
    stream = open_checked(data, place)
    if not pdf.is_pdf(stream.read(pdf.HEADER_WINDOW)):
        raise refuse(place, "the file is not a PDF (no %PDF- signature)")
    try:
        pages = pdf.page_count(stream)
    except pdf.PdfError as exc:
        raise refuse(place, str(exc)) from None
    if pages > limits.PDF_MAX_PAGES:
        raise refuse(
            place, f"PDF has {pages} pages; LaaS accepts at most {limits.PDF_MAX_PAGES} pages"
        )
    return {"type": "document", "document_url": {"url": data.as_laas(PDF)}}


def pdf_from_url(url: Any, place: str) -> dict[str, Any]:
    if not isinstance(url, str) or not url:
        raise refuse(place, f"missing the PDF; {INLINE_ONLY}")
    if not url.startswith(DATA_PREFIX):
        if url.startswith(("https://", "http://")):
            raise refuse(place, f"PDF by URL is not supported; {INLINE_ONLY}")
        # Bare base64 (some clients send file_data without the data: header).
        url = f"data:{PDF};base64,{url}"
    return document_part(parse_data_url(url, place), place)


def file_part(file: Any, place: str) -> dict[str, Any]:
    file = checks.an_object(file, f"{place}.file")
    if not file.get("file_data"):
        if file.get("file_id"):
            raise refuse(place, f"file_id (OpenAI Files API) is not supported; {INLINE_ONLY}")
        raise refuse(place, f"missing file_data; {INLINE_ONLY}")
    declared = file.get("format")
    if isinstance(declared, str) and declared != PDF and declared not in GENERIC:
        raise refuse(place, not_pdf_type(declared))
    return pdf_from_url(file.get("file_data"), place)


def to_laas_part(part: Mapping[str, Any], place: str) -> dict[str, Any]:
    """A non-text content part as LaaS wants it (text parts are handled by the caller)."""
    kind = part.get("type")
    if kind == "image_url":
        return image_part(checks.image_url(part, place), place)
    if kind == "file":
        return file_part(part.get("file"), place)
    if kind == "document":
        doc = part.get("document_url")
        return pdf_from_url(doc.get("url") if isinstance(doc, Mapping) else doc, place)
    raise refuse(place, f"unknown content part type {kind!r}")  # checks.part refuses it first
