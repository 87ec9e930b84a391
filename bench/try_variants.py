"""Measure candidate optimisations (bench/variants.py) against the plugin as it is.

    .venv/bin/python bench/try_variants.py                       # every variant, both modes
    .venv/bin/python bench/try_variants.py --variant one_chunk --stream-only

One proxy serves the plugin unchanged (``laas-bench``) and each variant as its own model;
each variant is measured against the unchanged plugin with the same alternating batches as
bench/proxy_compare.py, at 32 clients (where CPU per request decides throughput). Ratios are
variant / unchanged: below 1 is a gain for latency and CPU. Loopback only, bounded counts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.proxy_compare import LAAS, measure, start  # noqa: E402

VARIANTS = {
    "one_chunk": "stream: finish_reason + usage on the last text chunk (transform/stream.py)",
    "direct_aiohttp": "upstream call on aiohttp directly, no httpx client on top (client.py, handler.py)",
    "both": "both of the above",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=96)
    parser.add_argument("--stream-only", action="store_true")
    parser.add_argument("--plain-only", action="store_true")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--default-gc", action="store_true", help="do not freeze the proxy's heap")
    args = parser.parse_args()
    names = args.variant or list(VARIANTS)
    models = {f"laas-{n.replace('_', '-')}": f"bench.variants.{n}" for n in names}
    modes = [
        s for s in (False, True) if not (s and args.plain_only) and not (not s and args.stream_only)
    ]
    lines = [
        f"Variants vs the plugin as it is ({args.clients} clients, emulator latency "
        f"{args.latency_ms} ms, {'stock GC settings' if args.default_gc else 'heap frozen after warm-up'}); "
        "each cell: variant / unchanged (ratio)",
        "",
        "| variant | mode | median ms | p99 ms | req/s | proxy CPU ms/req (excl. full GCs) | full GCs |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        emulator, proxy = start(Path(tmp), args.latency_ms, models, gc_freeze=not args.default_gc)
        pids = (proxy.process.pid, emulator.process.pid)
        try:
            for stream in modes:
                for model, variant in zip(models, names, strict=True):
                    cells = asyncio.run(measure(proxy.url, proxy.master_key, stream, args.clients,
                                                args.rounds, args.per_round, pids, (model, LAAS),
                                                proxy.gc_log))  # fmt: skip
                    v, base = cells[model], cells[LAAS]
                    pairs = [(v.median_ms, base.median_ms, 1), (v.p99_ms, base.p99_ms, 1),
                             (v.throughput, base.throughput, 0), (v.proxy_cpu_ms, base.proxy_cpu_ms, 2)]  # fmt: skip
                    row = " | ".join(f"{a:.{d}f} / {b:.{d}f} ({a / b:.2f})" for a, b, d in pairs)
                    gcs = f"{len(v.gc_pauses)} / {len(base.gc_pauses)}"
                    lines.append(
                        f"| {variant} | {'stream' if stream else 'plain'} | {row} | {gcs} |"
                    )
                    print(lines[-1], flush=True)
        finally:
            proxy.stop()
            emulator.stop()
    lines += ["", *(f"- {n}: {VARIANTS[n]}" for n in names)]
    text = "\n".join(lines)
    print("\n" + text)
    out = ROOT / "bench" / "results" / "variants.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
