"""A media worker process (``python -m laas_provider.media.worker``): reads jobs from stdin,
writes results to stdout, one at a time, until stdin closes (the proxy is gone).

Started and killed by ``laas_provider.adapt``. It holds no secrets (its environment is
stripped) and imports only what decoding needs.
"""

from __future__ import annotations

import binascii
import os
import sys
from typing import Any

from . import frames, images

NICE = 10


class Unadaptable(ValueError):
    """Why a job cannot be done: the text of the client's 400."""


def handle(header: dict[str, Any], payload: bytes) -> tuple[dict[str, Any], bytes]:
    try:
        data = binascii.a2b_base64(payload, strict_mode=True)
    except binascii.Error as exc:
        raise Unadaptable(f"invalid base64 in the data URL: {exc}") from None
    if header.get("kind") == "split":
        from . import split  # only deployments with split_pdfs pay for importing pikepdf

        return split.run(data, header)
    try:
        adapted = images.adapt(data, int(header["max_side"]))
    except images.ImageError as exc:
        raise Unadaptable(str(exc)) from None
    part = {"type": "image", "mime": adapted.mime, "size": 0}
    out = binascii.b2a_base64(adapted.data, newline=False)
    part["size"] = len(out)
    return {"change": f"{adapted.before} -> {adapted.after}", "parts": [part]}, out


def main() -> None:
    # Below the proxy in the CPU's queue: with every core decoding, the event loop that
    # serves every user still runs the moment it wakes.
    os.nice(NICE)
    source, out = sys.stdin.buffer, sys.stdout.buffer
    while (job := frames.read(source)) is not None:
        header, payload = job
        try:
            reply, data = handle(header, payload)
            reply["ok"] = True
        except Unadaptable as exc:
            reply, data = {"ok": False, "problem": str(exc)}, b""
        except Exception as exc:  # a decoder's own error on a hostile file: still a 400
            reply, data = (
                {"ok": False, "problem": f"the file cannot be read ({type(exc).__name__})"},
                b"",
            )
        frames.write(out, reply, data)


if __name__ == "__main__":
    main()
