"""Images adapted in the worker (transform/media/images.py): real files of every format, the
limits, the bombs, and the promise that the same input gives the same bytes."""

from __future__ import annotations

import binascii
import io
import struct
import time
import zlib

import pytest
from PIL import Image

from laas_provider import limits
from laas_provider.media import frames, images, worker
from tests.media import photo, screenshot


def encoded(im: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("WEBP", "WebP"), ("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF"), ("AVIF", "AVIF"),
     ("HEIF", "HEIC"), ("PNG", "PNG"), ("JPEG", "JPEG")],
)  # fmt: skip
def test_every_readable_format_becomes_a_jpeg_or_png_within_the_side(fmt, name):
    source = photo((2400, 1200)) if fmt != "GIF" else photo((2400, 1200)).convert("P")
    adapted = images.adapt(encoded(source, fmt), 1568)
    assert adapted.before.format == name
    assert (adapted.before.width, adapted.before.height) == (2400, 1200)
    assert (adapted.after.width, adapted.after.height) == (1568, 784)
    out = opened(adapted.data)
    assert out.format == adapted.after.format == adapted.mime.split("/")[1].upper()
    assert out.size == (1568, 784)


def test_a_photo_becomes_a_jpeg_and_a_flat_picture_a_png():
    assert images.adapt(encoded(photo((2000, 1500)), "WEBP"), 1568).mime == "image/jpeg"
    flat = Image.new("RGB", (2000, 1500), (255, 255, 255))
    flat.paste((20, 90, 200), (100, 100, 900, 700))
    assert images.adapt(encoded(flat, "WEBP", lossless=True), 1568).mime == "image/png"


def test_transparency_is_kept_as_png_and_an_unused_alpha_is_dropped():
    see_through = Image.new("RGBA", (300, 200), (200, 0, 0, 90))
    adapted = images.adapt(encoded(see_through, "WEBP", lossless=True), 1568)
    assert adapted.mime == "image/png"
    assert opened(adapted.data).getpixel((5, 5))[3] == 90
    opaque = photo((300, 200)).convert("RGBA")
    assert images.adapt(encoded(opaque, "WEBP"), 1568).mime == "image/jpeg"


def test_the_first_frame_of_an_animation_is_kept():
    frames = [Image.new("RGB", (64, 64), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    out = opened(images.adapt(data, 1568).data).convert("RGB")
    assert out.getpixel((32, 32))[0] > 200 and out.getpixel((32, 32))[2] < 50


def test_exif_orientation_is_applied_and_metadata_stripped():
    im = photo((400, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    exif[0x010F] = "PhoneMaker"  # the camera's make: metadata that must not travel
    exif[0x8825] = {2: (37.0, 33.0, 0.0)}  # GPS: where the photo was taken
    data = encoded(im, "JPEG", exif=exif, quality=95)
    big = data + b"\0" * (limits.IMAGE_MAX_BYTES + 1 - len(data))  # over 4 MB: adapted
    adapted = images.adapt(big, 1568)
    out = opened(adapted.data)
    assert out.size == (200, 400)
    assert not out.getexif() and b"PhoneMaker" not in adapted.data


def test_a_colour_profile_is_kept():
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    adapted = images.adapt(encoded(photo((300, 200)), "WEBP", icc_profile=icc), 1568)
    assert opened(adapted.data).info.get("icc_profile") == icc


def test_sixteen_bit_grey_and_palette_images_are_read():
    grey = Image.new("I;16", (2000, 100), 40000)
    out = opened(images.adapt(encoded(grey, "PNG"), 1568).data)
    assert out.size == (1568, 78) and out.convert("L").getpixel((5, 5)) > 140


def test_the_same_input_gives_the_same_bytes():
    data = encoded(photo((2400, 1800)), "WEBP")
    assert images.adapt(data, 1568).data == images.adapt(data, 1568).data


def test_a_big_photo_steps_quality_then_size_down_to_the_byte_target(monkeypatch):
    monkeypatch.setattr(limits, "IMAGE_TARGET_BYTES", 60_000)
    adapted = images.adapt(encoded(photo((1500, 1000)), "WEBP"), 1568)
    assert adapted.after.size <= 60_000 and adapted.mime == "image/jpeg"
    assert adapted.after.width < 1500  # no quality step was enough: the size went down too


def test_a_screenshot_over_4_mb_fits_the_target():
    data = encoded(screenshot((3840, 2160)), "PNG", compress_level=0)
    assert len(data) > limits.IMAGE_MAX_BYTES
    adapted = images.adapt(data, 1568)
    assert adapted.after.size <= limits.IMAGE_TARGET_BYTES
    assert max(adapted.after.width, adapted.after.height) == 1568


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("size", "words"), [
    ((30000, 30000), "more than 89 megapixels"),  # Pillow's own check, made an error
    ((10000, 6000), "10000x6000 = 60 megapixels"),  # ours: under Pillow's, over 50 MP
])  # fmt: skip
def test_a_decompression_bomb_is_refused_from_its_header_at_once(size, words):
    started = time.perf_counter()
    with pytest.raises(images.ImageError) as refused:
        images.adapt(png_header_only(*size), 1568)
    assert time.perf_counter() - started < 0.5
    assert words in str(refused.value)
    assert "the plugin decodes at most 50 megapixels" in str(refused.value)


def test_a_real_30000_px_png_is_106_kb_and_refused():
    data = encoded(Image.new("1", (30000, 30000)), "PNG")  # ~106 KB on the wire, 900 MP
    assert len(data) < 200_000
    with pytest.raises(images.ImageError):
        images.adapt(data, 1568)


@pytest.mark.parametrize("fmt", ["EPS", "PSD", "ICO", "PCX", "TGA"])
def test_formats_outside_the_allow_list_are_not_opened(fmt):
    data = encoded(Image.new("RGB", (32, 32)), fmt) if fmt != "PSD" else b"8BPS\0\1" + b"\0" * 64
    with pytest.raises(images.ImageError, match="not an image the plugin can read"):
        images.adapt(data, 1568)


def test_a_corrupt_image_is_refused_saying_it_cannot_be_decoded():
    data = encoded(photo((800, 600)), "WEBP")
    with pytest.raises(images.ImageError, match="cannot be"):
        images.adapt(data[: len(data) // 2], 1568)


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("WEBP", {"lossless": True}), ("WEBP", {"quality": 80}), ("WEBP", {"exif": b"Exif\0\0"}),
     ("PNG", {}), ("JPEG", {}), ("GIF", {})],
)  # fmt: skip
def test_the_header_alone_tells_format_and_size(fmt, options):
    data = encoded(photo((1999, 1001)).convert("P") if fmt == "GIF" else photo((1999, 1001)),
                   fmt, **options)  # fmt: skip
    facts = images.header(io.BytesIO(data), len(data))
    assert (facts.width, facts.height) == (1999, 1001)


def test_the_worker_answers_a_job_with_the_parts_and_what_changed():
    import base64

    payload = base64.b64encode(encoded(photo((2000, 1000)), "WEBP"))
    source = io.BytesIO()
    frames.write(source, {"kind": "image", "max_side": 1000}, payload)
    source.seek(0)
    job, file = frames.read_decoded(source)
    reply, data = worker.handle(job, file)
    assert reply["change"].startswith("WebP 2000x1000") and "-> JPEG 1000x500" in reply["change"]
    (part,) = reply["parts"]
    assert part["mime"] == "image/jpeg" and part["size"] == len(data)
    assert opened(base64.b64decode(data)).size == (1000, 500)
    source = io.BytesIO()
    frames.write(source, {"kind": "image"}, b"UklG!!!!")
    source.seek(0)
    with pytest.raises(binascii.Error):
        frames.read_decoded(source)
