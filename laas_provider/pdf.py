"""PDF checks with a real parser: pypdf reads classic xref tables and PDF 1.5+ xref and
object streams alike, and counts pages from the page tree without rendering them."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PyPdfError

PDF_MAGIC = b"%PDF-"
HEADER_WINDOW = 1024  # the header may follow some junk, within the first 1 KiB

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about sloppy PDFs are noise here


class PdfError(ValueError):
    pass


def is_pdf(data: bytes | bytearray | memoryview) -> bool:
    return bytes(data[:HEADER_WINDOW]).find(PDF_MAGIC) >= 0


def page_count(data: bytes | bytearray | memoryview) -> int:
    """Number of pages, or PdfError if the file cannot be read as a PDF."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfError("the PDF is encrypted with a password")
        return len(reader.pages)
    except PdfError:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
    ) as exc:
        raise PdfError(f"the PDF cannot be read ({type(exc).__name__})") from None
