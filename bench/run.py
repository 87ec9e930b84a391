"""All benchmarks in one command; prints the tables and writes them to bench/results/latest.md.

.venv/bin/python bench/run.py            # full run, ~8 minutes on 2 cores
.venv/bin/python bench/run.py --quick    # smaller counts, for a smoke check
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from importlib.metadata import version  # noqa: E402

from bench import (  # noqa: E402
    bench_bigpayload,
    bench_gc,
    bench_media,
    bench_stream,
    bench_tool_reader,
    bench_tool_safety,
    plugin,
    proxy_compare,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--latency-ms", type=int, default=20, help="emulator latency, both endpoints"
    )
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="leave the proxy's GC as shipped (by default the bench freezes its heap after "
        "warm-up: no 0.3 s full-GC pauses landing in one model's batches)",
    )
    args = parser.parse_args()

    header = (
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"litellm {version('litellm')}; one run."
    )
    parts = [header, "", plugin.table(plugin.run(quick=args.quick))]
    parts += ["", bench_tool_reader.run(quick=args.quick)]
    print("\n".join(parts), flush=True)
    parts += ["", bench_tool_safety.report()]
    print("\n" + parts[-1], flush=True)
    rows = proxy_compare.run(args.latency_ms, quick=args.quick, gc_freeze=not args.default_gc)
    parts += ["", proxy_compare.table(rows, args.latency_ms, not args.default_gc)]
    print("\n" + parts[-1])
    big = bench_bigpayload.run(rounds=1 if args.quick else 3)
    parts += ["", bench_bigpayload.table(big)]
    print("\n" + parts[-1], flush=True)
    parts += ["", bench_gc.run(rounds=4 if args.quick else 12, per_round=96 if args.quick else 192)]
    print("\n" + parts[-1], flush=True)
    parts += ["", bench_stream.table(bench_stream.run(quick=args.quick))]
    print("\n" + parts[-1], flush=True)
    parts += ["", bench_media.run(quick=args.quick)]
    print("\n" + parts[-1], flush=True)
    out = ROOT / "bench" / "results" / "latest.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(parts) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
