"""Real media files made at test time (no binary fixtures): JPEG/PNG/GIF/WebP with Pillow,
PDFs with pikepdf (qpdf), classic or PDF 1.5 with compressed object and xref streams."""

from __future__ import annotations

import base64
import io
import os
from functools import cache

import pikepdf
from PIL import Image


def image(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(buffer, format=fmt)
    return buffer.getvalue()


def padded(data: bytes, total: int) -> bytes:
    """The same file grown to exactly ``total`` bytes (trailing bytes keep it decodable)."""
    assert total >= len(data)
    return data + b"\0" * (total - len(data))


def _pdf_bytes(pages: int, padding: int, object_streams: bool) -> bytes:
    doc = pikepdf.new()
    for _ in range(pages):
        doc.add_blank_page(page_size=(200, 200))
    if padding:
        # Incompressible filler, kept in the file by hanging it off the catalog.
        doc.Root.Filler = doc.make_stream(os.urandom(padding))
    buffer = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    doc.save(buffer, object_stream_mode=mode, compress_streams=False, deterministic_id=True,
             min_version="1.5" if object_streams else "1.4")  # fmt: skip
    return buffer.getvalue()


@cache
def pdf(pages: int = 2, object_streams: bool = False, total: int | None = None) -> bytes:
    """A PDF with ``pages`` pages; with ``total``, exactly that many bytes."""
    data = _pdf_bytes(pages, 0, object_streams)
    if total is None:
        return data
    # The filler's length changes the file by itself plus a few digits: converge in two tries.
    padding = total - len(data)
    for _ in range(4):
        data = _pdf_bytes(pages, padding, object_streams)
        if len(data) == total:
            return data
        padding += total - len(data)
    raise AssertionError(f"could not make a PDF of exactly {total} bytes")


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
