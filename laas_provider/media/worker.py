"""A media worker process (``python -m laas_provider.media.worker``): reads jobs from stdin,
writes results to stdout, one at a time, until stdin closes (the proxy is gone).

Started and killed by ``laas_provider.adapt``. It holds no secrets (its environment is
stripped) and imports only what decoding needs.
"""

from __future__ import annotations

import binascii
import io
import os
import sys
import time
from typing import Any

from . import frames, images

NICE = 10


class Unadaptable(ValueError):
    """Why a job cannot be done: the text of the client's 400."""


def handle(header: dict[str, Any], data: io.BytesIO) -> tuple[dict[str, Any], bytes]:
    """The job ``header`` on the file ``data`` (decoded): the reply and its payload."""
    started = time.process_time()
    reply, out = _handle(header, data)
    reply["cpu_ms"] = round((time.process_time() - started) * 1000, 1)
    return reply, out


def _handle(header: dict[str, Any], data: io.BytesIO) -> tuple[dict[str, Any], bytes]:
    if header.get("kind") == "split":
        from . import split  # only deployments with split_pdfs pay for importing pikepdf

        try:
            return split.run(data.getvalue(), header)
        except split.SplitError as exc:  # not Unadaptable: run as __main__, this module is
            # not the laas_provider.media.worker that split could import
            raise Unadaptable(str(exc)) from None
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
    while True:
        try:
            job = frames.read_decoded(source)
        except binascii.Error as exc:
            frames.write(out, {"ok": False, "problem": f"invalid base64 in the data URL: {exc}"})
            continue
        if job is None:
            return
        header, data = job
        job = None
        try:
            reply, payload = handle(header, data)
            reply["ok"] = True
        except Unadaptable as exc:
            reply, payload = {"ok": False, "problem": str(exc)}, b""
        except Exception as exc:  # a decoder's own error on a hostile file: still a 400
            problem = f"the file cannot be read ({type(exc).__name__})"
            reply, payload = {"ok": False, "problem": problem}, b""
        frames.write(out, reply, payload)
        del data, payload  # nothing of this job is held while the next one arrives


if __name__ == "__main__":
    main()
