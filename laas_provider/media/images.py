"""Images LaaS cannot take as they are, adapted: decoded, downscaled, re-encoded (pure).

CPU work on untrusted bytes: ``adapt`` runs in a media worker process (``worker``), never in
the proxy's (Pillow holds the GIL while it allocates and copies whole frames). So:
only allow-listed formats are opened, the pixel count is read from the header and checked
before any pixel is decoded, and Pillow's own decompression-bomb warning is an error.
The same input gives the same output bytes (fixed encoder settings, no timestamps).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

import pillow_heif
from PIL import (
    AvifImagePlugin,
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
)

from .. import limits

# The decoders of the allow-list below, registered by name (``Image.open(formats=...)`` knows
# only registered ones); HEIC/HEIF from pillow-heif, AVIF is Pillow's own.
PLUGINS = (AvifImagePlugin, BmpImagePlugin, GifImagePlugin, JpegImagePlugin, MpoImagePlugin,
           PngImagePlugin, TiffImagePlugin, WebPImagePlugin)  # fmt: skip
pillow_heif.register_heif_opener()
# Pillow warns past ~89 MP and raises past twice that; a warning would let the decode go on.
warnings.simplefilter("error", Image.DecompressionBombWarning)

# What may be opened at all: no EPS (Ghostscript), PSD, FITS, ... (docs/security.md). An
# iPhone JPEG with a depth map opens as MPO through the JPEG decoder.
DECODABLE = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "HEIF", "AVIF")
NAMES = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WebP",
         "BMP": "BMP", "TIFF": "TIFF", "HEIF": "HEIC", "AVIF": "AVIF"}  # fmt: skip
PHOTOS = ("JPEG", "HEIC", "AVIF")  # formats cameras write
READABLE = "JPEG, PNG, GIF, WebP, BMP, TIFF, HEIC or AVIF"  # DECODABLE, as people name them
FEW_COLOURS = 256  # at most this many: a diagram or a flat screenshot, kept lossless as PNG
FEW_GREYS = 16  # a grey photo has up to 256 levels; a scanned page in black and white, few
ORIENTATION = 0x0112  # the EXIF tag
TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
         4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
         6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
         8: Image.Transpose.ROTATE_90}  # fmt: skip
QUALITIES = (85, 70, 55)  # JPEG quality steps before the size steps down
SHRINK = 0.75  # size step when no quality fits the byte target


class ImageError(ValueError):
    """Why an image cannot be adapted (the text of the 400)."""


@dataclass(frozen=True)
class Facts:
    format: str  # NAMES value
    width: int
    height: int
    size: int  # bytes

    def __str__(self) -> str:
        return f"{self.format} {self.width}x{self.height} {_kb(self.size)}"


@dataclass(frozen=True)
class Adapted:
    mime: str
    data: bytes
    before: Facts
    after: Facts


def _kb(size: int) -> str:
    return f"{size / limits.MB:.1f} MB" if size >= limits.MB else f"{size / 1024:.0f} KB"


def header(stream: BinaryIO, size: int) -> Facts | None:
    """Format and dimensions of a JPEG, PNG, GIF or WebP from its header alone, or None.

    Safe in the proxy's own process: Pillow's JPEG, PNG and GIF headers are read by Python
    code (a few KB: markers up to the pixel data, EXIF included), WebP's by ``webp_size``.
    """
    head = stream.read(32)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = webp_size(head)
        return Facts("WebP", *found, size) if found else None
    stream.seek(0)
    try:
        with Image.open(stream, formats=("JPEG", "PNG", "GIF")) as im:
            return Facts(NAMES[im.format or "PNG"], im.width, im.height, size)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(_too_many("more than 89")) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return None


def webp_size(head: bytes) -> tuple[int, int] | None:
    """A WebP's canvas size from its first 30 bytes (RIFF header and first chunk)."""
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:  # extended: 24-bit width-1, height-1
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:  # lossless: 14 bits each
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":  # lossy
        width = int.from_bytes(head[26:28], "little") & 0x3FFF
        height = int.from_bytes(head[28:30], "little") & 0x3FFF
        return width, height
    return None


def fit(width: int, height: int, side: int) -> tuple[int, int]:
    """The size within ``side`` x ``side`` with the same aspect (unchanged if it fits)."""
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def adapt(data: bytes | io.BytesIO, max_side: int) -> Adapted:
    """``data`` as a JPEG or PNG LaaS takes: within ``max_side``, under the byte target.

    Given a BytesIO, it is emptied once the frame is decoded: the file's bytes are not held
    while the frame is resized (less memory at the peak).
    """
    source = data if isinstance(data, io.BytesIO) else io.BytesIO(data)
    size = source.seek(0, io.SEEK_END)
    source.seek(0)
    try:
        im = Image.open(source, formats=DECODABLE)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(_too_many("more than 89")) from None
    except UnidentifiedImageError:
        raise ImageError(f"not an image the plugin can read ({READABLE})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError(f"the image cannot be read ({type(exc).__name__})") from None
    with im:
        before = Facts(NAMES[im.format or "PNG"], im.width, im.height, size)
        im.draft(None, fit(im.width, im.height, max_side))  # JPEG: DCT scaling, 1/2 to 1/8
        if im.width * im.height > limits.IMAGE_MAX_PIXELS:
            raise ImageError(_too_many(f"{before.width}x{before.height} = {_mp(im)}"))
        try:
            im.load()  # the first frame of an animation
            orientation = im.getexif().get(ORIENTATION)
            small = _colours(im)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(_too_many("more than 89")) from None
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ImageError(f"the image cannot be decoded ({type(exc).__name__})") from None
        icc = im.info.get("icc_profile")
    source.truncate(0)
    # Bilinear (antialiased, as every Pillow downscale) for photos: 20-25 ms less than bicubic
    # on a 12 MP JPEG, and no sharpness a photo needs; bicubic keeps screenshots' text crisp.
    resample = Image.Resampling.BILINEAR if before.format in PHOTOS else Image.Resampling.BICUBIC
    small.thumbnail((max_side, max_side), resample, reducing_gap=2.0)
    if orientation in TURNS:  # EXIF orientation applied on the small image: cheaper
        small = small.transpose(TURNS[orientation])
    if not isinstance(icc, bytes) or len(icc) > limits.IMAGE_ICC_MAX_BYTES:
        icc = None
    fmt, out, small = _encode(small, icc)
    return Adapted(f"image/{fmt.lower()}", out, before, Facts(fmt, *small.size, len(out)))


def _too_many(what: str) -> str:
    megapixels = limits.IMAGE_MAX_PIXELS // 1_000_000
    return f"image has {what} megapixels; the plugin decodes at most {megapixels} megapixels"


def _mp(im: Image.Image) -> str:
    return f"{im.width * im.height / 1_000_000:.0f}"


def _colours(im: Image.Image) -> Image.Image:
    """The frame in L, RGB or (if its alpha is used) RGBA."""
    if im.mode == "1":
        return im.convert("L")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        im = im.point(lambda v: v * (1 / 256)).convert("L")  # 16-bit grey: keep the top byte
    elif im.mode == "F":
        im = im.convert("L")
    has_alpha = im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info
    if has_alpha:
        im = im.convert("RGBA")
        if im.getchannel("A").getextrema()[0] == 255:  # fully opaque: the alpha is unused
            return im.convert("RGB")
        return im
    return im if im.mode in ("L", "RGB") else im.convert("RGB")


def _encode(im: Image.Image, icc: bytes | None) -> tuple[str, bytes, Image.Image]:
    """PNG for transparency or few colours, else JPEG; quality, then size, stepped down
    until the file is at most ``limits.IMAGE_TARGET_BYTES``."""
    few = FEW_COLOURS if im.mode == "RGB" else FEW_GREYS
    lossless = im.mode == "RGBA" or im.getcolors(few) is not None
    while True:
        if lossless:
            out = _save(im, "PNG", icc, compress_level=6)
            if len(out) <= limits.IMAGE_TARGET_BYTES:
                return "PNG", out, im
        else:
            for quality in QUALITIES:
                out = _save(im, "JPEG", icc, quality=quality)
                if len(out) <= limits.IMAGE_TARGET_BYTES:
                    return "JPEG", out, im
        if min(im.size) <= 16:
            raise ImageError("the image cannot be made small enough for LaaS")
        im = im.resize(fit(*im.size, int(max(im.size) * SHRINK)), Image.Resampling.BICUBIC)


def _save(im: Image.Image, fmt: str, icc: bytes | None, **options: int) -> bytes:
    buffer = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    im.save(buffer, format=fmt, optimize=False, **extra, **options)
    return buffer.getvalue()
