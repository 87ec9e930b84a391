"""GC under load: p99 latency at 32 clients, the proxy's stock GC vs the heap frozen after warm-up.

Three proxies with the shipped settings serve the plugin (emulator latency 20 ms): ``stock``,
and ``frozen`` with ``laas_provider.gc_freeze.freezer`` in its ``litellm_settings.callbacks``
(``gc.collect(); gc.freeze()`` once, after its first requests), and ``stock-2``, a second
stock one (stock-2 / stock shows what noise alone does). All are warmed up alike,
then get batches of requests from 32 clients in turn (ABC then CBA, so machine noise hits
all alike). Printed: median and p99 per proxy and their ratios, the full (generation-2) GCs
each proxy ran during its batches (bench/gc_probe.py), and how noisy the run was (the spread
of the per-batch medians of each proxy).

.venv/bin/python bench/bench_gc.py [--rounds 12] [--per-round 192]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from bench.bench_bigpayload import MODEL, shipped_config  # noqa: E402
from bench.proxy_compare import GcLog, _batch  # noqa: E402
from tests.e2e.harness import Emulator, Proxy  # noqa: E402

CLIENTS = 32
FREEZER = "laas_provider.gc_freeze.freezer"
VARIANTS = ("stock", "frozen", "stock-2")


THRESHOLD = "10000,20,20"  # the "-t" variants: LiteLLM's PYTHON_GC_THRESHOLD (gen0,gen1,gen2)


def start(log_dir: Path, emulator: Emulator, name: str, freeze: bool) -> Proxy:
    config = shipped_config("laas", emulator, {})
    config["litellm_settings"]["custom_provider_map"].append(
        {"provider": "benchgcprobe", "custom_handler": "bench.gc_probe.handler"}
    )
    if freeze:
        config["litellm_settings"].setdefault("callbacks", []).append(FREEZER)
    gc_log = log_dir / f"gc-{name}.log"
    env = dict(emulator.laas_env("echo"), PYTHONPATH=str(ROOT), BENCH_GC_LOG=str(gc_log))
    if name.endswith("-t"):
        env["PYTHON_GC_THRESHOLD"] = THRESHOLD
    proxy = Proxy(config, env, log_dir, name=f"proxy-{name}")
    proxy.gc_log = gc_log
    proxy.start()
    return proxy


async def measure(proxies: dict[str, Proxy], rounds: int, per_round: int) -> dict:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    clients = {
        name: httpx.AsyncClient(base_url=p.url, timeout=120, limits=limits,
                                headers={"Authorization": f"Bearer {p.master_key}"})
        for name, p in proxies.items()
    }  # fmt: skip
    names = list(proxies)
    result = {n: {"lat": [], "batch_medians": [], "gcs": []} for n in names}
    gcs = {n: GcLog(p.gc_log) for n, p in proxies.items()}
    try:
        for name in names:  # warm-up: imports done, the freezer's trigger passed
            for _ in range(3):
                await _batch(clients[name], MODEL, False, CLIENTS * 2, CLIENTS)
            gcs[name].new_pauses()
        for r in range(rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                lat, _ = await _batch(clients[name], MODEL, False, per_round, CLIENTS)
                result[name]["lat"] += lat
                result[name]["batch_medians"].append(statistics.median(lat))
                for n in names:  # a proxy's GCs while idle are not the load's
                    pauses = gcs[n].new_pauses()
                    if n == name:
                        result[n]["gcs"] += pauses
    finally:
        for c in clients.values():
            await c.aclose()
    return result


def table(result: dict, rounds: int, per_round: int) -> str:
    rows = {}
    for name, r in result.items():
        lat = sorted(r["lat"])
        bm = r["batch_medians"]
        rows[name] = {
            "median": statistics.median(lat) * 1000,
            "p99": statistics.quantiles(lat, n=100)[98] * 1000,
            "gcs": r["gcs"],
            "noise": (max(bm) - min(bm)) / statistics.median(bm),
        }
    s, f = rows["stock"], rows["frozen"]
    lines = [
        f"GC under load: {rounds} rounds x {per_round} requests per proxy at {CLIENTS} clients "
        "(ABC then CBA), plugin on the emulator (20 ms), shipped settings. Load average "
        f"{os.getloadavg()[0]:.1f} at the end (2 cores).",
        "",
        "| proxy | median ms | p99 ms | full GCs during its batches, count (total ms) "
        "| spread of batch medians |",
        "|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['median']:.0f} | {r['p99']:.0f} | {len(r['gcs'])} "
            f"({sum(r['gcs']):.0f}) | {100 * r['noise']:.0f}% |"
        )
    lines += [
        "",
        f"frozen / stock: median {f['median'] / s['median']:.2f}, p99 {f['p99'] / s['p99']:.2f} "
        "(ship if p99 <= 0.80 with median <= 1.00).",
    ]
    for name in rows:
        if name not in ("stock", "frozen", "stock-2"):
            v = rows[name]
            lines.append(
                f"{name} / stock: median {v['median'] / s['median']:.2f}, "
                f"p99 {v['p99'] / s['p99']:.2f}."
            )
    if "stock-2" in rows:
        a = rows["stock-2"]
        lines.append(
            f"stock-2 / stock (same setup twice, the noise): median "
            f"{a['median'] / s['median']:.2f}, p99 {a['p99'] / s['p99']:.2f}."
        )
    return "\n".join(lines)


def run(rounds: int = 12, per_round: int = 192, variants: tuple[str, ...] = VARIANTS) -> str:
    os.environ["LAAS_EMULATOR_LATENCY_MS"] = "20"
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        emulator = Emulator(log_dir)
        emulator.start()
        proxies: dict[str, Proxy] = {}
        try:
            # stock-2: a second stock proxy; stock-2 / stock is what noise alone gives (A/A).
            for name in variants:
                proxies[name] = start(log_dir, emulator, name, freeze=name.startswith("frozen"))
            result = asyncio.run(measure(proxies, rounds, per_round))
        finally:
            for p in proxies.values():
                p.stop()
            emulator.stop()
    return table(result, rounds, per_round)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--per-round", type=int, default=192)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="stock*, frozen* (heap frozen); a -t suffix adds PYTHON_GC_THRESHOLD")  # fmt: skip
    args = parser.parse_args()
    print(run(args.rounds, args.per_round, tuple(args.variants.split(","))))


if __name__ == "__main__":
    main()
