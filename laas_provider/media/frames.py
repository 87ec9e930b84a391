"""The proxy <-> media worker protocol: frames of a JSON header and raw bytes, over pipes."""

from __future__ import annotations

import binascii
import io
import json
import struct
from typing import Any, BinaryIO

PREFIX = struct.Struct(">II")  # header length, payload length


def write(out: BinaryIO, header: dict[str, Any], payload: bytes | memoryview = b"") -> None:
    _start(out, header, len(payload))
    out.write(payload)
    out.flush()


def _start(out: BinaryIO, header: dict[str, Any], payload_size: int) -> None:
    head = json.dumps(header).encode()
    out.write(PREFIX.pack(len(head), payload_size))
    out.write(head)


SLICE = 1 << 20  # characters at a time (a multiple of 4): the GIL is free between two


def write_text(out: BinaryIO, header: dict[str, Any], text: str, start: int) -> None:
    """``write`` with ``text[start:]`` (ASCII) as the payload, in slices: never a whole copy,
    and never the GIL held for more than one slice's encoding (the proxy's event loop waits
    on it)."""
    _start(out, header, len(text) - start)
    for at in range(start, len(text), SLICE):
        out.write(text[at : at + SLICE].encode("ascii"))
    out.flush()


def read(source: BinaryIO) -> tuple[dict[str, Any], bytes] | None:
    """The next frame, or None at the end of the stream (the other side is gone)."""
    started = _header(source)
    if started is None:
        return None
    header, payload_size = started
    payload = _exactly(source, payload_size)
    return None if payload is None else (header, payload)


def read_decoded(source: BinaryIO) -> tuple[dict[str, Any], io.BytesIO] | None:
    """``read`` for a base64 payload, decoded slice by slice as it arrives: the file, never
    its whole base64 text at once (less memory at the peak). binascii.Error if not base64."""
    started = _header(source)
    if started is None:
        return None
    header, payload_size = started
    out = io.BytesIO()
    failed: binascii.Error | None = None
    for at in range(0, payload_size, SLICE):
        chunk = _exactly(source, min(SLICE, payload_size - at))
        if chunk is None:
            return None
        if failed is None:  # the rest is still read: the next frame starts after it
            try:
                out.write(binascii.a2b_base64(chunk, strict_mode=True))
            except binascii.Error as exc:
                failed = exc
    if failed is not None:
        raise failed
    out.seek(0)
    return header, out


def _header(source: BinaryIO) -> tuple[dict[str, Any], int] | None:
    """A frame's header and its payload's size, or None at the end of the stream."""
    prefix = _exactly(source, PREFIX.size)
    if prefix is None:
        return None
    head_size, payload_size = PREFIX.unpack(prefix)
    head = _exactly(source, head_size)
    return None if head is None else (json.loads(head), payload_size)


def _exactly(source: BinaryIO, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = source.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
