"""Cost of checking big images and PDFs before upload: time and peak extra memory.

    .venv/bin/python bench/bench_multimodal.py

Targets (issue 3): the 32 MB / 20-page PDF check under 100 ms and under 2x the payload in
extra memory. Payload = the decoded file size. Figures are from one run; the machine is noisy,
so each time is the median of several repeats.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from laas_provider.limits import MB
from laas_provider.transform import to_laas_messages
from tests.media import data_url, image, padded, pdf

REPEATS = 7


def case_pdf() -> tuple[str, list, int]:
    raw = pdf(20, True, 32 * MB)
    part = {"type": "file", "file": {"file_data": data_url("application/pdf", raw)}}
    return (
        "PDF 32 MB, 20 pages (object + xref streams)",
        [{"role": "user", "content": [part]}],
        len(raw),
    )


def case_images() -> tuple[str, list, int]:
    raw = padded(image("PNG", (256, 256)), 4 * MB)
    parts = [
        {"type": "image_url", "image_url": {"url": data_url("image/png", raw)}} for _ in range(3)
    ]
    return "3 images of 4 MB (PNG)", [{"role": "user", "content": parts}], 3 * len(raw)


def measure(messages: list) -> tuple[float, int]:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        to_laas_messages(messages)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    to_laas_messages(messages)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak


def main() -> None:
    print("| check | payload | median time | peak extra memory | memory / payload |")
    print("|---|---|---|---|---|")
    for make in (case_pdf, case_images):
        name, messages, payload = make()
        seconds, peak = measure(messages)
        print(
            f"| {name} | {payload / MB:.0f} MB | {seconds * 1000:.1f} ms | {peak / MB:.1f} MB | {peak / payload:.2f}x |"
        )


if __name__ == "__main__":
    main()
