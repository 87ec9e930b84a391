"""split_pdfs: time, peak memory and part sizes to split long PDFs, and PDF bombs.

    .venv/bin/python bench/bench_split.py

Each case runs in a fresh process, as a media worker is: the median of 3 splits there, and
the peak RSS that process gained over them (VmHWM, on top of Python with pikepdf loaded
and the input read). "Unpruned" is the same split with no pruning budget: what each part would weigh
if every page kept the shared resources (pypdf issue 3011). Target: a split of the largest
PDF LaaS takes, or any bomb, within 3 s (the media deadline is 10 s). MB = 1024 * 1024.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from laas_provider.limits import MB, PDF_MAX_BYTES  # noqa: E402
from tests import media  # noqa: E402

TARGET_SECONDS = 3.0
REPEATS = 3

# In the measuring process: the split, REPEATS times; one JSON line back.
WORKER = """
import json, statistics, sys, time
from laas_provider.media import prune, split

def hwm():  # VmHWM: this process's peak RSS (ru_maxrss keeps the spawning parent's, if bigger)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))

if sys.argv[2] == "unpruned":
    prune.BUDGET = 0
data = open(sys.argv[1], "rb").read()
before = hwm()
times = []
for _ in range(REPEATS):
    started = time.perf_counter()
    reply, payload = split.run(data, {"name": "bench.pdf"})
    times.append(time.perf_counter() - started)
    del payload
peak = hwm() - before
print(json.dumps({"seconds": statistics.median(times), "peak_kb": peak,
                  "change": reply["change"]}))
""".replace("REPEATS", str(REPEATS))


def largest_shared(forms: bool, shared: bool = True) -> bytes:
    """The biggest 45-page PDF of media.shared_pdf's kind within LaaS's 32 MB."""
    image = 740_000
    while len(raw := media.shared_pdf(45, image, forms, shared)) > PDF_MAX_BYTES:
        image -= 10_000
    return raw


CASES: list[tuple[str, Callable[[], bytes], str]] = [
    ("45 pages, one shared /Resources of 45 images", lambda: largest_shared(False), "pruned"),
    ("the same, unpruned", lambda: largest_shared(False), "unpruned"),
    ("45 pages, shared /Resources of 45 form XObjects", lambda: largest_shared(True), "pruned"),
    ("45 pages, each its own /Resources", lambda: largest_shared(False, shared=False), "pruned"),
    ("bomb: 1 content stream of 256 MB decoded, 45 pages", lambda: media.content_bomb(45, 256 * MB), "pruned"),
    ("bomb: 100 pages of 15.9 MB content each", lambda: media.content_bomb(100, 16 * MB - 100_000, shared=False), "pruned"),
    ("bomb: 200 forms of 150 KB behind 100 pages", lambda: media.forms_bomb(100, 200, 150_000), "pruned"),
    ("bomb: 1,000,000 names in a shared /XObject", lambda: media.names_bomb(45, 1_000_000), "pruned"),
]  # fmt: skip


def measure(raw: bytes, mode: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(raw)
        file.flush()
        ran = subprocess.run([sys.executable, "-c", WORKER, file.name, mode], cwd=ROOT,
                             capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(ran.stdout)


def main() -> None:
    print(f"Target: {TARGET_SECONDS:g} s. Median of {REPEATS} splits in a fresh process.\n")
    print(
        "| case | input | parts (MB) | median time | time / target | peak RSS added | RSS / input |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, make, mode in CASES:
        raw = make()
        got = measure(raw, mode)
        parts = got["change"].split("pages (", 1)[1].split(" MB)")[0]
        peak = got["peak_kb"] * 1024
        print(f"| {name} | {len(raw) / MB:.1f} MB | {parts} | {got['seconds'] * 1000:.0f} ms | "
              f"{got['seconds'] / TARGET_SECONDS:.2f} | {peak / MB:.0f} MB | "
              f"{peak / len(raw):.1f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
