"""Base64 payloads of data URLs, checked and read without decoding them whole.

A 32 MB PDF is 43 MB of base64. Decoding all of it takes ~90 ms here and 32 MB of memory;
yet checking needs only (1) that every character is base64, which a chunked byte
``translate`` tells in ~20 ms with a few hundred kB, and (2) the few parts of the file a
parser reads (header, trailer, xref, page tree). Base64 maps every 3 bytes to 4 characters,
so any byte range can be decoded on its own: ``Base64File`` does that on demand.
"""

from __future__ import annotations

import binascii
import io

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
CHUNK = 1 << 18  # characters per validation step (a multiple of 4)


def decoded_size(text: str, start: int) -> int:
    """Bytes the payload ``text[start:]`` decodes to; ValueError if its length is not valid."""
    n = len(text) - start
    if n % 4:
        raise ValueError("its length is not a multiple of 4")
    return n // 4 * 3 - (n > 0 and text[-1] == "=") - (n > 1 and text[-2] == "=")


def validate(text: str, start: int) -> None:
    """ValueError unless ``text[start:]`` is strict base64 (padding only at the very end)."""
    if not text.isascii():
        raise ValueError("it has non-ASCII characters")
    end = len(text)
    first_pad = text.find("=", start)
    if first_pad != -1 and (first_pad < end - 2 or text[first_pad:] not in ("=", "==")):
        raise ValueError("'=' padding in the middle")
    body_end = first_pad if first_pad != -1 else end
    for at in range(start, body_end, CHUNK):
        if text[at : min(at + CHUNK, body_end)].encode("ascii").translate(None, ALPHABET):
            raise ValueError("it has characters outside the base64 alphabet")


class Base64File(io.RawIOBase):
    """A read-only, seekable file over the decoded bytes of ``text[start:]`` (validated first)."""

    def __init__(self, text: str, start: int):
        self._text = text
        self._start = start
        self._size = decoded_size(text, start)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[override]
        end = min(self._pos + len(buffer), self._size)
        if end <= self._pos:
            return 0
        first, last = self._pos // 3, (end + 2) // 3  # whole 3-byte groups covering the range
        chars = self._text[self._start + first * 4 : self._start + last * 4]
        data = binascii.a2b_base64(chars.encode("ascii"))
        skip = self._pos - first * 3
        count = end - self._pos
        memoryview(buffer)[:count] = data[skip : skip + count]
        self._pos = end
        return count


def open_payload(text: str, start: int, buffer_size: int = 1 << 13) -> io.BufferedReader:
    # Small buffer: pypdf makes a few dozen scattered reads of a few kB (tail, xref, each
    # page's objects); a 64 kB buffer would decode 1.5 MB of a 32 MB PDF instead of 0.2 MB.
    return io.BufferedReader(Base64File(text, start), buffer_size=buffer_size)
