"""PDF checks with a real parser: pypdf reads classic xref tables and PDF 1.5+ xref and
object streams alike, and counts pages from the page tree without rendering them."""

from __future__ import annotations

import logging
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.errors import PyPdfError

PDF_MAGIC = b"%PDF-"
HEADER_WINDOW = 1024  # the header may follow some junk, within the first 1 KiB

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about sloppy PDFs are noise here


class PdfError(ValueError):
    pass


def is_pdf(head: bytes) -> bool:
    """Whether the first bytes of a file (``HEADER_WINDOW`` of them) hold the PDF signature."""
    return head[:HEADER_WINDOW].find(PDF_MAGIC) >= 0


def page_count(stream: BinaryIO) -> int:
    """Number of pages of the PDF in a seekable stream, or PdfError if it cannot be read."""
    try:
        reader = PdfReader(stream)
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
