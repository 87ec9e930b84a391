"""Real media files made at test time (no binary fixtures): JPEG/PNG/GIF/WebP with Pillow,
PDFs with pikepdf (qpdf): classic (PDF 1.4, plain xref table, every object readable in the
raw bytes) or PDF 1.5 with the page objects inside *compressed* object streams and a
compressed xref stream, so no regex over the raw bytes can find or count the pages."""

from __future__ import annotations

import base64
import io
import os
import random
import zlib
from functools import cache

import pikepdf
import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()  # tests make HEIC photos too


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


def screenshot(size: tuple[int, int] = (3840, 2160), with_photo: bool = True) -> Image.Image:
    """A screen: flat panels, lines of text-like marks, and (``with_photo``) a photo in a
    window over half of it (a 4K one is ~8 MB as PNG, like a real one with a photo)."""
    from PIL import ImageDraw

    im = Image.new("RGB", size, (246, 246, 248))
    draw = ImageDraw.Draw(im)
    width, height = size
    draw.rectangle((0, 0, width, 60), fill=(40, 44, 52))
    draw.rectangle((0, 60, 320, height), fill=(230, 232, 236))
    for row in range(90, height - 40, 28):
        for col in range(360, width // 2, 90):
            draw.text((col, row), "lorem ipsum", fill=(30, 30, 30))
    if with_photo:
        im.paste(photo((width // 2, height * 3 // 4)), (width // 2 - 100, 150))
    return im


# --- PDFs to split (split_pdfs) ------------------------------------------------------------


def _image_xobject(doc: pikepdf.Pdf, size: int, seed: int) -> pikepdf.Stream:
    # Like _filler, but seeded: the same arguments give the same file (determinism tests).
    noise = random.Random(seed).randbytes(size)
    stream = pikepdf.Stream(doc, b"")
    stream.write(zlib.compress(noise, 0), filter=pikepdf.Name.FlateDecode)
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height = size, 1
    stream.BitsPerComponent, stream.ColorSpace = 8, pikepdf.Name.DeviceGray
    return stream


def _saved(doc: pikepdf.Pdf, **options: object) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer, deterministic_id=True, **options)
    return buffer.getvalue()


@cache
def shared_pdf(
    pages: int, image_bytes: int = 1000, forms: bool = False, shared: bool = True
) -> bytes:
    """A PDF whose pages share one /Resources dictionary holding every page's font and image
    (as some producers write them; pypdf issue 3011): page i draws only /Im<i> in /F<i>, so
    pruned, each page needs 1/pages of the images. With ``forms``, each page draws its image
    through a form XObject /Fm<i> of its own (with its own resources). With ``shared=False``,
    each page has a /Resources of its own holding only its font and image (the usual PDF)."""
    doc = pikepdf.new()
    fonts, xobjects = pikepdf.Dictionary(), pikepdf.Dictionary()
    for i in range(pages):
        fonts[f"/F{i}"] = doc.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))  # fmt: skip
        image = doc.make_indirect(_image_xobject(doc, image_bytes, i))
        if forms:
            form = doc.make_stream(f"q 100 0 0 100 0 0 cm /Im{i} Do Q".encode())
            form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 200, 200]  # fmt: skip
            form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary({f"/Im{i}": image}))
            xobjects[f"/Fm{i}"] = form
        else:
            xobjects[f"/Im{i}"] = image
    resources = doc.make_indirect(pikepdf.Dictionary(Font=fonts, XObject=xobjects))
    draw = "/Fm{i} Do" if forms else "q 100 0 0 100 0 0 cm /Im{i} Do Q"
    for i in range(pages):
        doc.add_blank_page(page_size=(200, 200))
        page = doc.pages[-1].obj
        page.Resources = (
            resources
            if shared
            else pikepdf.Dictionary(
                Font={f"/F{i}": fonts[f"/F{i}"]},
                XObject={
                    name: xobjects[name] for name in (f"/Fm{i}", f"/Im{i}") if name in xobjects
                },
            )
        )
        text = f"BT /F{i} 12 Tf 10 170 Td (Page {i + 1}) Tj ET "
        page.Contents = doc.make_stream((text + draw.format(i=i)).encode())
    return _saved(doc, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def encrypted_pdf(pages: int, user: str) -> bytes:
    """AES-256; with ``user=""``, as "protected" PDFs are: anyone may open them."""
    buffer = io.BytesIO()  # (qpdf makes no deterministic /ID for an encrypted file)
    pikepdf.open(io.BytesIO(pdf(pages))).save(
        buffer, encryption=pikepdf.Encryption(user=user, owner="owner", aes=True)
    )
    return buffer.getvalue()


@cache
def content_bomb(pages: int, decoded: int, shared: bool = True) -> bytes:
    """Pages whose content is ``decoded`` bytes of path operators inflated from a few KB (one
    stream for all pages if ``shared``), over resources that pruning would thin out."""
    doc = pikepdf.new()
    packed = zlib.compress(b"0 0 m " * (decoded // 6), 9)
    fonts = doc.make_indirect(pikepdf.Dictionary({f"/F{i}": pikepdf.Dictionary() for i in range(8)}))  # fmt: skip
    one = None
    for _ in range(pages):
        doc.add_blank_page(page_size=(200, 200))
        if one is None or not shared:
            one = pikepdf.Stream(doc, b"")
            one.write(packed, filter=pikepdf.Name.FlateDecode)
        doc.pages[-1].obj.Contents = one
        doc.pages[-1].obj.Resources = pikepdf.Dictionary(Font=fonts)
    return _saved(doc, object_stream_mode=pikepdf.ObjectStreamMode.generate)


@cache
def forms_bomb(pages: int, forms: int, form_bytes: int) -> bytes:
    """Pages that share one /XObject dictionary of ``forms`` form XObjects, each with
    ``form_bytes`` of content: qpdf parses every one of them to prune each page."""
    doc = pikepdf.new()
    xobjects = pikepdf.Dictionary()
    for i in range(forms):
        form = pikepdf.Stream(doc, b"")
        form.write(zlib.compress(b"0 0 m " * (form_bytes // 6), 9), filter=pikepdf.Name.FlateDecode)
        form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 1, 1]
        xobjects[f"/Fm{i}"] = form
    resources = doc.make_indirect(pikepdf.Dictionary(XObject=xobjects))
    for i in range(pages):
        doc.add_blank_page(page_size=(200, 200))
        doc.pages[-1].obj.Resources = resources
        doc.pages[-1].obj.Contents = doc.make_stream(f"/Fm{i % forms} Do".encode())
    return _saved(doc, object_stream_mode=pikepdf.ObjectStreamMode.generate)


@cache
def names_bomb(pages: int, names: int) -> bytes:
    """Pages that share one /XObject dictionary of ``names`` entries (all one tiny image)."""
    doc = pikepdf.new()
    image = doc.make_indirect(_image_xobject(doc, 8, 0))
    resources = doc.make_indirect(pikepdf.Dictionary(
        XObject=pikepdf.Dictionary({f"/I{i}": image for i in range(names)})))  # fmt: skip
    for _ in range(pages):
        doc.add_blank_page(page_size=(200, 200))
        doc.pages[-1].obj.Resources = resources
        doc.pages[-1].obj.Contents = doc.make_stream(b"/I0 Do")
    return _saved(doc, object_stream_mode=pikepdf.ObjectStreamMode.generate)
