"""Tiny media files for ``laas-check --probe``, made at run time from hand-built bytes.

No image or PDF library at run time (Pillow and pikepdf are test-only dependencies): each
file is a solid red picture (16 x 16, or one big side for ``--probe media``), or a PDF of
tiny pages whose last one holds a code word, built by the functions below. The tests open
every one of them with Pillow / pypdf.
"""

from __future__ import annotations

import base64
import struct
import zlib

SIZE = 16  # pixels per side: small enough to cost little, big enough to be seen as red
RED = (255, 0, 0)
PDF_CODE_WORD = "KIWI"


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# --- PNG: zlib-compressed scanlines in the documented chunks --------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png() -> bytes:
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    rows = b"".join(b"\x00" + bytes(RED) * SIZE for _ in range(SIZE))  # filter 0 per row
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def png_large(width: int, height: int) -> bytes:
    """A solid red PNG of any size, a few KB: one palette colour at 1 bit a pixel, so every
    scanline is zeros and zlib shrinks 5000 x 2500 px (1.5 MB of scanlines) to ~2 KB."""
    header = struct.pack(">IIBBBBB", width, height, 1, 3, 0, 0, 0)  # 1-bit palette
    rows = (b"\x00" * (1 + (width + 7) // 8)) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"PLTE", bytes(RED))
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


# --- JPEG: baseline, one 8x8 block per component and MCU, DC only ---------------------------

# The standard luminance tables of JPEG's Annex K (used for all three components).
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))
_AC_BITS = (0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D)
_AC_EOB = (0b1010, 4)  # the code of symbol 0x00 (end of block) in that AC table


def _dc_codes() -> dict[int, tuple[int, int]]:
    """Category -> (code, length) of the standard DC table (canonical Huffman codes)."""
    codes: dict[int, tuple[int, int]] = {}
    code, values = 0, iter(_DC_VALUES)
    for length, count in enumerate(_DC_BITS, start=1):
        for _ in range(count):
            codes[next(values)] = (code, length)
            code += 1
        code <<= 1
    return codes


class _Bits:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value: int, length: int) -> None:
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)  # byte stuffing
                self.acc = self.n = 0

    def flush(self) -> bytes:
        if self.n:
            self.put((1 << (8 - self.n)) - 1, 8 - self.n)  # pad with 1 bits
        return bytes(self.out)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg() -> bytes:
    r, g, b = RED
    ycc = (
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    )
    # A flat 8x8 block's only coefficient is DC = 8 * (value - 128); quantisation step 1.
    dcs = [round(8 * (min(255.0, v) - 128)) for v in ycc]
    codes = _dc_codes()
    bits = _Bits()
    blocks = (SIZE // 8) ** 2
    previous = [0, 0, 0]
    for _ in range(blocks):
        for c, dc in enumerate(dcs):
            diff, previous[c] = dc - previous[c], dc
            category = abs(diff).bit_length()
            bits.put(*codes[category])
            if category:
                bits.put(diff if diff > 0 else diff + (1 << category) - 1, category)
            bits.put(*_AC_EOB)
    scan = bits.flush()
    components = b"".join(bytes((i, 0x11, 0)) for i in (1, 2, 3))  # 1x1 sampling, table 0
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xDB, b"\x00" + b"\x01" * 64),
            _segment(0xC0, struct.pack(">BHHB", 8, SIZE, SIZE, 3) + components),
            _segment(0xC4, b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALUES)),
            _segment(0xC4, b"\x10" + bytes(_AC_BITS) + bytes(_ac_values())),
            _segment(0xDA, b"\x03" + b"".join(bytes((i, 0x00)) for i in (1, 2, 3)) + b"\x00\x3f\x00"),
            scan,
            b"\xff\xd9",
        )
    )  # fmt: skip


def _ac_values() -> list[int]:
    # Annex K.3 table K.5 order: EOB, then run/size symbols as the standard lists them.
    values = [0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13,
              0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42,
              0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A,
              0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x34, 0x35,
              0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A,
              0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67,
              0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84,
              0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
              0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3,
              0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7,
              0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1,
              0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4,
              0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA]  # fmt: skip
    return values


# --- WebP: lossless (VP8L) with one-symbol prefix codes, so pixels take no bits at all ------


class _LsbBits:
    def __init__(self) -> None:
        self.value = 0
        self.n = 0

    def put(self, value: int, length: int) -> None:
        self.value |= value << self.n
        self.n += length

    def bytes(self) -> bytes:
        return self.value.to_bytes((self.n + 7) // 8, "little")


def webp() -> bytes:
    bits = _LsbBits()
    bits.put(SIZE - 1, 14)
    bits.put(SIZE - 1, 14)
    bits.put(0, 1)  # alpha not used
    bits.put(0, 3)  # version 0
    bits.put(0, 1)  # no transform
    bits.put(0, 1)  # no colour cache
    bits.put(0, 1)  # no meta prefix codes
    r, g, b = RED
    for symbol in (g, r, b, 255, 0):  # green, red, blue, alpha, distance: one symbol each
        bits.put(1, 1)  # simple code
        bits.put(0, 1)  # one symbol
        if symbol < 2:
            bits.put(0, 1)  # a 1-bit symbol
            bits.put(symbol, 1)
        else:
            bits.put(1, 1)  # an 8-bit symbol
            bits.put(symbol, 8)
    payload = b"\x2f" + bits.bytes()
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


# --- GIF: one frame, LZW codes with a clear code every two pixels (codes stay 3 bits) -------


def gif() -> bytes:
    palette = bytes(RED) + b"\xff\xff\xff" + b"\x00" * 6  # 4 colours, index 0 is red
    bits = _LsbBits()
    clear, end = 4, 5
    pixels = SIZE * SIZE
    for start in range(0, pixels, 2):
        bits.put(clear, 3)
        for _ in range(min(2, pixels - start)):
            bits.put(0, 3)
    bits.put(end, 3)
    data = bits.bytes()
    blocks = b"".join(bytes((len(data[i : i + 255]),)) + data[i : i + 255]
                      for i in range(0, len(data), 255))  # fmt: skip
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", SIZE, SIZE, 0xF1, 0, 0)  # global palette of 4 colours
        + palette
        + b"\x2c" + struct.pack("<HHHHB", 0, 0, SIZE, SIZE, 0)
        + b"\x02" + blocks + b"\x00"
        + b"\x3b"
    )  # fmt: skip


# --- PDF: tiny pages of one line of text, one shared font, classic xref table ------------


def pdf(pages: int = 1, first: int = 1, total: int | None = None) -> bytes:
    """Pages ``first`` .. ``first + pages - 1`` of a ``total``-page document (default: all of
    it), each a 300 x 200 pt page saying its number; the document's last page also says
    the code word, so an answer naming it shows the model read that far."""
    total = total or first + pages - 1
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages)), pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for number in range(first, first + pages):
        words = [f"Page {number} of {total}."] if total > 1 else []
        if number == total:
            words.append(f"The code word is {PDF_CODE_WORD}.")
        stream = f"BT /F1 18 Tf 36 100 Td ({' '.join(words)}) Tj ET".encode("ascii")
        content = len(objects) + 2  # the object after this page
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content)  # fmt: skip
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
