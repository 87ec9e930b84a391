"""Cost of checking big images and PDFs before upload: time and peak extra memory.

    .venv/bin/python bench/bench_multimodal.py

Targets (issue 3): the 32 MB / 20-page PDF check under 100 ms and under 2x the payload in
extra memory. Payload = the decoded file size; MB = 1024 * 1024 bytes. Each time is the
median of several repeats (the machine is noisy); memory is the tracemalloc peak of one
more run, i.e. what the check allocates on top of the request it is given.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from laas_provider.errors import InputError
from laas_provider.limits import IMAGE_MAX_BYTES, MB, PDF_MAX_BYTES, PDF_MAX_PAGES
from laas_provider.transform import to_laas_messages
from tests.media import data_url, image, padded, pdf

REPEATS = 7
TARGET_SECONDS = 0.100
TARGET_MEMORY = 2.0  # times the payload


def user(*parts: dict) -> list[dict]:
    return [{"role": "user", "content": list(parts)}]


def pdf_case(object_streams: bool, total: int) -> tuple[list, int]:
    raw = pdf(PDF_MAX_PAGES, object_streams, total)
    return user({"type": "file", "file": {"file_data": data_url("application/pdf", raw)}}), total


def images_case(fmt: str, mime: str) -> tuple[list, int]:
    raw = padded(image(fmt, (256, 256)), IMAGE_MAX_BYTES)
    url = data_url(mime, raw)
    return user(*({"type": "image_url", "image_url": {"url": url}} for _ in range(3))), 3 * len(raw)


CASES: list[tuple[str, Callable[[], tuple[list, int]]]] = [
    ("PDF 32 MB, 20 pages, compressed object + xref streams (1.5)", lambda: pdf_case(True, PDF_MAX_BYTES)),
    ("PDF 32 MB, 20 pages, classic xref table (1.4)", lambda: pdf_case(False, PDF_MAX_BYTES)),
    ("PDF 33 MB (refused by its size)", lambda: pdf_case(True, 33 * MB)),
    ("3 images of 4 MB (PNG)", lambda: images_case("PNG", "image/png")),
    ("3 images of 4 MB (JPEG)", lambda: images_case("JPEG", "image/jpeg")),
]  # fmt: skip


def case_pdf() -> tuple[str, list, int]:
    """The headline case, also used by bench/plugin.py."""
    return (CASES[0][0], *CASES[0][1]())


def case_images() -> tuple[str, list, int]:
    return (CASES[3][0], *CASES[3][1]())


def check(messages: list) -> None:
    with contextlib.suppress(InputError):  # the 33 MB case is refused
        to_laas_messages(messages)


def measure(messages: list) -> tuple[float, int]:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        check(messages)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    check(messages)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak


def duration(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs" if seconds < 0.001 else f"{seconds * 1000:.1f} ms"


def main() -> None:
    print(f"Targets: under {TARGET_SECONDS * 1000:.0f} ms and {TARGET_MEMORY:g}x the payload.\n")
    print(
        "| check | payload | median time | time / target | peak extra memory | memory / payload |"
    )
    print("|---|---|---|---|---|---|")
    for name, make in CASES:
        messages, payload = make()
        seconds, peak = measure(messages)
        print(f"| {name} | {payload / MB:.0f} MB | {duration(seconds)} | "
              f"{seconds / TARGET_SECONDS:.2f} | {peak / MB:.2f} MB | {peak / payload:.3f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
