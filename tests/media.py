"""Real media files made at test time (no binary fixtures): JPEG/PNG/GIF/WebP with Pillow,
PDFs with pikepdf (qpdf): classic (PDF 1.4, plain xref table, every object readable in the
raw bytes) or PDF 1.5 with the page objects inside *compressed* object streams and a
compressed xref stream, so no regex over the raw bytes can find or count the pages."""

from __future__ import annotations

import base64
import io
import os
import zlib
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


def _filler(doc: pikepdf.Pdf, size: int) -> pikepdf.Stream:
    # Incompressible bytes, stored as an already-encoded (level 0) Flate image, as in a scan:
    # qpdf keeps it as is, and a page-counting parser never needs to read it.
    stream = pikepdf.Stream(doc, b"")
    stream.write(zlib.compress(os.urandom(size), 0), filter=pikepdf.Name.FlateDecode)
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width = stream.Height = stream.BitsPerComponent = 8
    stream.ColorSpace = pikepdf.Name.DeviceGray
    return stream


def _pdf_bytes(pages: int, padding: int, object_streams: bool) -> bytes:
    doc = pikepdf.new()
    for _ in range(pages):
        doc.add_blank_page(page_size=(200, 200))
    if padding:
        for i, page in enumerate(doc.pages):
            share = padding // pages + (padding % pages if i == 0 else 0)
            page.obj.Resources = pikepdf.Dictionary(
                XObject=pikepdf.Dictionary(Im0=_filler(doc, share))
            )
    buffer = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    doc.save(buffer, object_stream_mode=mode, compress_streams=object_streams,
             deterministic_id=True, min_version="1.5" if object_streams else "1.4")  # fmt: skip
    return buffer.getvalue()


@cache
def pdf(
    pages: int = 2, object_streams: bool = False, total: int | None = None, count: int | None = None
) -> bytes:
    """A PDF with ``pages`` pages; with ``total``, exactly that many bytes; with ``count``, a
    page tree whose ``/Count`` says that instead of the real number (classic PDFs only)."""
    if count is not None:
        return _lying(_pdf_bytes(pages, 0, False), pages, count)
    data = _pdf_bytes(pages, 0, object_streams)
    if total is None:
        return data
    # The filler changes the file by its own length plus a little: converge in a few tries.
    padding = total - len(data)
    for _ in range(6):
        data = _pdf_bytes(pages, padding, object_streams)
        if len(data) == total:
            return data
        padding += total - len(data)
    raise AssertionError(f"could not make a PDF of exactly {total} bytes")


def _lying(data: bytes, pages: int, count: int) -> bytes:
    # qpdf writes the true /Count, so patch the classic file in place (same length, so the
    # xref offsets stay right).
    true, false = f"/Count {pages}".encode(), f"/Count {count}".encode()
    assert data.count(true) == 1 and len(false) <= len(true)
    return data.replace(true, false.ljust(len(true)))


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def photo(size: tuple[int, int] = (4032, 3024), seed: int = 1) -> Image.Image:
    """A photo-like picture: smooth gradients under sensor-like noise (compresses like one)."""
    import numpy as np

    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack(
        [x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)], -1
    ).astype(np.int16)
    noise = np.random.default_rng(seed).normal(0, 18, (height, width, 3)).astype(np.int16)
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


def screenshot(size: tuple[int, int] = (3840, 2160)) -> Image.Image:
    """A screen: flat panels, lines of text-like marks, and a photo in a window."""
    from PIL import ImageDraw

    im = Image.new("RGB", size, (246, 246, 248))
    draw = ImageDraw.Draw(im)
    width, height = size
    draw.rectangle((0, 0, width, 60), fill=(40, 44, 52))
    draw.rectangle((0, 60, 320, height), fill=(230, 232, 236))
    for row in range(90, height - 40, 28):
        for col in range(360, width // 2, 90):
            draw.text((col, row), "lorem ipsum", fill=(30, 30, 30))
    im.paste(photo((width // 3, height // 2)), (width // 2 + 100, 200))
    return im
