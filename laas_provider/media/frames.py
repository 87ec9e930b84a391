"""The proxy <-> media worker protocol: frames of a JSON header and raw bytes, over pipes."""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

PREFIX = struct.Struct(">II")  # header length, payload length


def write(out: BinaryIO, header: dict[str, Any], payload: bytes | memoryview = b"") -> None:
    head = json.dumps(header).encode()
    out.write(PREFIX.pack(len(head), len(payload)))
    out.write(head)
    out.write(payload)
    out.flush()


def read(source: BinaryIO) -> tuple[dict[str, Any], bytes] | None:
    """The next frame, or None at the end of the stream (the other side is gone)."""
    prefix = _exactly(source, PREFIX.size)
    if prefix is None:
        return None
    head_size, payload_size = PREFIX.unpack(prefix)
    head = _exactly(source, head_size)
    payload = _exactly(source, payload_size)
    if head is None or payload is None:
        return None
    return json.loads(head), payload


def _exactly(source: BinaryIO, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = source.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
