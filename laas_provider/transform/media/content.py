"""One OpenAI content part -> one LaaS part, checked against LaaS's limits (pure).

Shapes and what they become are listed in docs/multimodal.md. What LaaS cannot take as it
is but can be adapted faithfully is: an image in another format, too big or too large is a
``work.Pending`` (a worker converts it off the event loop); a text file becomes a text part.
Big payloads are handled carefully: sizes come from the base64 length before anything is
decoded, the base64 is validated in small chunks, only the bytes a check needs are decoded
(signature, image header, PDF trailer, xref and page tree; see ``b64``), and a data URL that
already has the header LaaS documents (``data:<type>;base64,``) is forwarded as the very
same string (no re-encoding, no copy).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ... import limits
from ...errors import refuse
from ...media import images
from .. import checks
from . import b64, pdf, text
from .work import DEFAULT, IMAGE, SPLIT, Options, Pending

DATA_PREFIX = "data:"
HEADER_MAX = 256  # a data URL's `data:<mime>;base64,` header is short; never scan the payload

SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
# ISO base media files (at byte 4: `ftyp` and a brand): HEIC/HEIF photos and AVIF.
HEIF_BRANDS = {b"heic": "image/heic", b"heix": "image/heic", b"heim": "image/heic",
               b"heis": "image/heic", b"hevc": "image/heic", b"hevx": "image/heic",
               b"mif1": "image/heif", b"msf1": "image/heif", b"avif": "image/avif",
               b"avis": "image/avif"}  # fmt: skip
NAMES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP",
         "image/bmp": "BMP", "image/tiff": "TIFF", "image/heic": "HEIC", "image/heif": "HEIF",
         "image/avif": "AVIF"}  # fmt: skip
PDF = "application/pdf"
GENERIC = ("", "application/octet-stream")  # a file's type is told by its bytes under these
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


def not_supported(mime: str) -> str:
    return (
        f"file type {mime!r} is not supported; LaaS takes PDFs ({INLINE}) and images, and "
        "the plugin inlines UTF-8 text files (text/*, JSON, source code)"
    )


def sniff(head: bytes) -> str | None:
    for magic, mime in SIGNATURES:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return HEIF_BRANDS.get(head[8:12])
    return None


def _head(data: DataUrl) -> bytes:
    """The first bytes of the payload (decoded from its first 64 characters only)."""
    try:
        return b64.open_payload(data.url, data.start).read(48)
    except (ValueError, UnicodeEncodeError):
        return b""


# --- images --------------------------------------------------------------------------------


def image_part(url: Any, place: str, media: Options = DEFAULT) -> dict[str, Any] | Pending:
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
        return document_part(data, place, media)
    if text.is_text_type(data.mime):  # an Anthropic text/plain `document`, through LiteLLM
        return _inlined(data, data.mime, None, place, media)
    return image_data(data, place, media)


def image_data(data: DataUrl, place: str, media: Options) -> dict[str, Any] | Pending:
    """An inline image: the same string when LaaS takes it as it is, else a Pending."""
    size = decoded_size(data, place)
    if size > limits.IMAGE_INPUT_MAX_BYTES:
        cap = limits.IMAGE_INPUT_MAX_BYTES // limits.MB
        shown = too_big("image", size, limits.IMAGE_INPUT_MAX_BYTES, "image").split(";")[0]
        raise refuse(place, f"{shown}; the plugin adapts images of at most {cap} MB")
    actual = sniff(_head(data))
    if actual is None:
        open_checked(data, place)  # invalid base64 is said as such
        raise refuse(place, f"image is not a {images.READABLE} image")
    if actual not in media.formats:
        return Pending(place, data.url, data.start, NAMES[actual], max_side=media.max_side)
    if size > limits.IMAGE_MAX_BYTES:
        return Pending(
            place, data.url, data.start, f"{size / limits.MB:.1f} MB", max_side=media.max_side
        )
    try:
        facts = images.header(open_checked(data, place), size)
    except images.ImageError as exc:
        raise refuse(place, str(exc)) from None
    if facts is not None and max(facts.width, facts.height) > media.max_side:
        side = f"{facts.width}x{facts.height} px"
        return Pending(place, data.url, data.start, side, max_side=media.max_side)
    # A declared type that disagrees with the bytes (a PNG sent as image/jpeg) is corrected:
    # LaaS takes both formats, so send the true type rather than refuse a usable image.
    return {"type": "image_url", "image_url": {"url": data.as_laas(actual)}}


# --- PDFs ----------------------------------------------------------------------------------


def document_part(
    data: DataUrl, place: str, media: Options = DEFAULT, name: str | None = None
) -> dict[str, Any] | Pending:
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
        if media.split_pdfs:
            if pages > limits.PDF_SPLIT_MAX_PAGES:
                raise refuse(place, split_too_long(pages))
            return Pending(place, data.url, data.start, f"{pages} pages", SPLIT, pages=pages,
                           name=name)  # fmt: skip
        raise refuse(
            place, f"PDF has {pages} pages; LaaS accepts at most {limits.PDF_MAX_PAGES} pages"
        )
    return {"type": "document", "document_url": {"url": data.as_laas(PDF)}}


def split_too_long(pages: int) -> str:
    cap, per = limits.PDF_SPLIT_MAX_PAGES, limits.PDF_MAX_PAGES
    return (
        f"PDF has {pages} pages; split_pdfs sends at most {cap} pages ({cap // per} parts of "
        f"{per}), the most Anthropic and OpenAI read in one request"
    )


def pdf_from_url(url: Any, place: str, media: Options = DEFAULT) -> dict[str, Any] | Pending:
    if not isinstance(url, str) or not url:
        raise refuse(place, f"missing the PDF; {INLINE_ONLY}")
    if not url.startswith(DATA_PREFIX):
        if url.startswith(("https://", "http://")):
            raise refuse(place, f"PDF by URL is not supported; {INLINE_ONLY}")
        # Bare base64 (some clients send file_data without the data: header).
        url = f"data:{PDF};base64,{url}"
    data = parse_data_url(url, place)
    if data.mime != PDF and data.mime not in GENERIC:
        raise refuse(place, not_supported(data.mime))
    return document_part(data, place, media)


def file_part(file: Any, place: str, media: Options = DEFAULT) -> dict[str, Any] | Pending:
    """An OpenAI ``file`` part: a PDF, an image or a text file, told by its type or bytes."""
    file = checks.an_object(file, f"{place}.file")
    url = file.get("file_data")
    if not url:
        if file.get("file_id"):
            raise refuse(place, f"file_id (OpenAI Files API) is not supported; {INLINE_ONLY}")
        raise refuse(place, f"missing file_data; {INLINE_ONLY}")
    url = checks.a_string(url, f"{place}.file.file_data")
    name = file.get("filename") if isinstance(file.get("filename"), str) else None
    declared = file.get("format") if isinstance(file.get("format"), str) else None
    if url.startswith(("https://", "http://")):
        raise refuse(place, f"a file by URL is not supported; send it inline as base64 ({INLINE})")
    if not url.startswith(DATA_PREFIX):  # bare base64 (some clients leave out the header)
        url = f"data:{declared or ''};base64,{url}"
    data = parse_data_url(url, place)
    decoded_size(data, place)  # refuses an empty or malformed payload first
    mime = (declared or data.mime).strip().lower()
    if mime in GENERIC:
        mime = _told_by_bytes(data, name, place)
    if mime == PDF:
        return document_part(data, place, media, name)
    if mime.startswith("image/"):
        return image_data(data, place, media)
    if text.is_text_type(mime):
        return _inlined(data, mime, name, place, media)
    raise refuse(place, not_supported(mime))


def _inlined(
    data: DataUrl, mime: str, name: str | None, place: str, media: Options
) -> dict[str, Any]:
    if name and name.lower().endswith(".pdf"):
        # LiteLLM 1.110's /v1/messages bridge names an untitled document "document.pdf",
        # whatever its type: a text file so named is not its name.
        name = None
    size = decoded_size(data, place)
    part = text.text_part(data.url, data.start, size, mime, name, place)
    media.note(f"{place} {mime} {name or ''} {size:,} bytes -> a text part".replace("  ", " "))
    return part


def _told_by_bytes(data: DataUrl, name: str | None, place: str) -> str:
    """The type of a file sent without one: PDF or image by signature, else text by name."""
    head = _head(data)
    if pdf.is_pdf(head):
        return PDF
    found = sniff(head)
    if found:
        return found
    if text.has_text_name(name):
        return "text/plain"
    open_checked(data, place)  # invalid base64 is said as such
    raise refuse(place, f"the file is not a PDF, a {images.READABLE} image or a named text file")


def to_laas_part(
    part: Mapping[str, Any], place: str, media: Options = DEFAULT
) -> dict[str, Any] | Pending:
    """A non-text content part as LaaS wants it (text parts are handled by the caller)."""
    kind = part.get("type")
    if kind == "image_url":
        return image_part(checks.image_url(part, place), place, media)
    if kind == "file":
        return file_part(part.get("file"), place, media)
    if kind == "document":
        doc = part.get("document_url")
        return pdf_from_url(doc.get("url") if isinstance(doc, Mapping) else doc, place, media)
    raise refuse(place, f"unknown content part type {kind!r}")  # checks.part refuses it first


def is_image(part: dict[str, Any] | Pending) -> bool:
    """Whether a LaaS part (or one still to adapt) is an image: LaaS counts them per message."""
    if isinstance(part, Pending):
        return part.kind == IMAGE
    return part["type"] == "image_url"
