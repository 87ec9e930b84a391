"""The LaaS request body as JSON bytes, sent in pieces when it carries big strings.

A 30 MB PDF arrives as a 41 MB data URL. ``orjson.dumps(body)`` would copy it whole into
one bytes object, and the event loop's transport would copy most of that again when the
bytes are written in one go (asyncio buffers what the socket does not take at once). So a
body with a string of ``STREAM_MIN`` characters or more is encoded without those strings
(each replaced by a random placeholder), and sent as: the JSON before the string, the string
in ``SLICE``-character slices, each JSON-encoded from the very string object the client
sent, the JSON after it, and so on. Nothing holds more than one slice of the payload, and
the Content-Length is exact (each slice's encoded length is counted once up front: ~3 ms
for 41 MB). Smaller bodies stay one ``orjson.dumps`` (faster for the usual chat request).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import orjson

STREAM_MIN = 1 << 20  # characters: strings this long are written in slices
SLICE = 1 << 16  # characters per slice: a 64 kB socket write (orjson reserves ~16x a slice)


class JsonBody:
    """One request body: ``bytes(body)`` is the JSON; ``stream()``/``astream()`` the pieces."""

    __slots__ = ("_parts", "length")

    def __init__(self, body: Mapping[str, Any]) -> None:
        if not _has_big(body):  # the usual chat request: one dumps, no walk that rebuilds it
            self._parts: list[bytes | str] = [orjson.dumps(body)]
            self.length = len(self._parts[0])
            return
        token = secrets.token_hex(8)
        big: list[str] = []

        def swap(value: Any) -> Any:
            if isinstance(value, str) and len(value) >= STREAM_MIN:
                big.append(value)
                return f"{token}-{len(big) - 1}"
            if isinstance(value, Mapping):
                return {k: swap(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [swap(v) for v in value]
            return value

        skeleton = orjson.dumps(swap(body))
        # Pieces: bytes (JSON around the strings, quotes included) and the big strings.
        self._parts = []
        rest = skeleton
        for i, text in enumerate(big):
            marker = f"{token}-{i}".encode()
            if skeleton.count(marker) != 1:  # the body itself holds the token: never split
                self._parts, big = [orjson.dumps(body)], []
                break
            before, rest = rest.split(marker, 1)
            self._parts += [before, text]
        else:
            self._parts.append(rest)
        self.length = sum(
            len(p) if isinstance(p, bytes) else _encoded_length(p) for p in self._parts
        )

    @property
    def streamed(self) -> bool:
        return len(self._parts) > 1

    def __len__(self) -> int:
        return self.length

    def __bytes__(self) -> bytes:
        if not self.streamed:
            return self._parts[0]  # type: ignore[return-value]
        return b"".join(self.stream())

    def stream(self) -> Iterator[bytes]:
        for part in self._parts:
            if isinstance(part, bytes):
                yield part
            else:
                for at in range(0, len(part), SLICE):
                    yield orjson.dumps(part[at : at + SLICE])[1:-1]

    async def astream(self) -> AsyncIterator[bytes]:
        for piece in self.stream():
            yield piece


def _has_big(value: Any) -> bool:
    """Whether ``value`` holds a string of ``STREAM_MIN`` characters or more (read-only walk,
    a stack rather than recursion and generators: ~3x cheaper on a chat request)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) >= STREAM_MIN:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
    return False


def _encoded_length(text: str) -> int:
    """Bytes of ``text`` inside a JSON string (escapes, UTF-8), one slice at a time."""
    return sum(len(orjson.dumps(text[at : at + SLICE])) - 2 for at in range(0, len(text), SLICE))
