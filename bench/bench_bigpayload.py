"""Big payloads through the proxy: memory and latency of 30 MB PDF requests, per path.

One proxy per path, each with the shipped settings (config.yaml's litellm_settings,
general_settings and router_settings, one model with the shipped model's budget and prices):

- ``floor``: an instant in-memory ``CustomLLM`` (bench/instant.py), the proxy's own cost;
- ``held``: the same handler waiting ``HELD_S`` before it answers, so each request stays in
  flight about as long as a LaaS call (the proxy keeps its own copies of the body meanwhile);
- ``laas``: the plugin, on the emulator's LaaS endpoint;
- ``native``: LiteLLM's ``openai/`` provider on the emulator's OpenAI-compatible endpoint.

All three proxies run at once; after a warm-up (small requests, a small PDF), rounds of 4
concurrent requests each carrying a 30.7 MB PDF as a data URL go to each proxy in turn
(ABC then CBA: machine noise hits all alike). The proxy's RSS is sampled every 10 ms
(/proc). Printed per path: peak RSS growth over the pre-burst RSS per request in flight,
in units of the payload (the request body, ~41 MB: one copy of the data URL is 1x), the
RSS kept 10 s after the last round, the median latency; then the plugin's share (LaaS minus
floor) and the LaaS / native ratios.

.venv/bin/python bench/bench_bigpayload.py [--rounds 3] [--set litellm_settings.x=true]
"""

from __future__ import annotations

import argparse
import base64
import copy
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from tests import media  # noqa: E402
from tests.e2e.harness import Emulator, Proxy  # noqa: E402

PDF_BYTES = 30_700_000
CONCURRENCY = 4
KEEP_WAIT_S = 10.0
MODEL = "big"
PATHS = ("floor", "held", "laas", "native")
HELD_S = 1.0  # how long the "held" floor keeps each request (about a LaaS call's time here)
MB = 1024 * 1024


def shipped_config(path: str, emulator: Emulator, overrides: dict) -> dict:
    """config.yaml's settings with one model for ``path`` (same budget and prices)."""
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text())
    first = shipped["model_list"][0]
    params = {k: first["litellm_params"][k] for k in ("max_budget", "budget_duration")}
    if path == "floor":
        params["model"] = f"instant/{MODEL}"
    elif path == "laas":
        params.update(model=f"laas/{MODEL}", laas_timeout=first["litellm_params"]["laas_timeout"])
    else:
        params.update(model=f"openai/{MODEL}", api_base=f"{emulator.url}/v1", api_key="unused")
    config = {
        "model_list": [
            {"model_name": MODEL, "litellm_params": params, "model_info": first["model_info"]}
        ],
        "litellm_settings": copy.deepcopy(shipped.get("litellm_settings") or {}),
        "router_settings": {
            k: v
            for k, v in (shipped.get("router_settings") or {}).items()
            if not k.startswith("redis_") and k != "fallbacks"  # one model, no Redis here
        },
        "general_settings": copy.deepcopy(shipped.get("general_settings") or {}),
    }
    if path == "floor":
        config["litellm_settings"].setdefault("custom_provider_map", []).append(
            {"provider": "instant", "custom_handler": "bench.instant.handler"}
        )
    for dotted, value in overrides.items():
        section, key = dotted.split(".", 1)
        config.setdefault(section, {})[key] = value
    return config


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    """Samples a process's RSS every 10 ms in a thread; ``peak`` is the highest seen."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss(self.pid))


def request_body(pdf: bytes, text: str = "Summarise this PDF.") -> bytes:
    url = "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
    content = [
        {"type": "text", "text": text},
        {"type": "file", "file": {"file_data": url, "filename": "big.pdf"}},
    ]
    return orjson.dumps({"model": MODEL, "messages": [{"role": "user", "content": content}]})


def post(proxy: Proxy, body: bytes) -> float:
    started = time.perf_counter()
    response = httpx.post(
        f"{proxy.url}/v1/chat/completions",
        content=body,
        headers={"Authorization": f"Bearer {proxy.master_key}", "Content-Type": "application/json"},
        timeout=300,
    )
    if response.status_code != 200:
        raise RuntimeError(f"{proxy.name}: HTTP {response.status_code}: {response.text[:300]}")
    return time.perf_counter() - started


def burst(proxy: Proxy, body: bytes, n: int) -> list[float]:
    latencies: list[float] = []
    threads = [
        threading.Thread(target=lambda: latencies.append(post(proxy, body))) for _ in range(n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if len(latencies) != n:
        raise RuntimeError(f"{proxy.name}: {n - len(latencies)} requests failed")
    return latencies


def run(rounds: int = 3, overrides: dict | None = None, env: dict | None = None,
        paths: tuple[str, ...] = PATHS, latency_ms: int = 20, trim: bool = False) -> dict:  # fmt: skip
    big = request_body(media.pdf(20, True, PDF_BYTES))
    small = request_body(media.pdf(pages=2, object_streams=True))
    results: dict = {"payload": len(big), "rounds": rounds, "paths": {}}
    os.environ["LAAS_EMULATOR_LATENCY_MS"] = str(latency_ms)
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        emulator = Emulator(log_dir)
        emulator.start()
        proxies: dict[str, Proxy] = {}
        try:
            for i, path in enumerate(paths):
                # "laas:NAME=VALUE;..." is the laas path with extra environment (experiments).
                base, _, extra = path.partition(":")
                proxy_env = dict(emulator.laas_env("echo"), PYTHONPATH=str(ROOT))
                if base == "held":  # the instant handler, waiting as long as a LaaS call
                    base, proxy_env["BENCH_INSTANT_DELAY_S"] = "floor", str(HELD_S)
                config = shipped_config(base, emulator, overrides or {})
                if trim:
                    config["litellm_settings"].setdefault("callbacks", []).append(
                        "bench.trim_probe.probe"
                    )
                proxy_env.update(env or {})
                proxy_env.update(e.split("=", 1) for e in extra.split(";") if e)
                proxies[path] = Proxy(config, proxy_env, log_dir, name=f"proxy-{base}-{i}")
                proxies[path].spawn()
            for proxy in proxies.values():
                _wait_up(proxy)
            for proxy in proxies.values():  # warm-up: every code path imported once
                for _ in range(3):
                    post(proxy, small)
                burst(proxy, small, CONCURRENCY)
            emulator.reset()
            time.sleep(2)
            stats = {p: {"base": rss(proxies[p].process.pid), "peak": 0, "lat": []} for p in paths}
            for r in range(rounds):
                order = paths if r % 2 == 0 else paths[::-1]
                for path in order:
                    proxy = proxies[path]
                    with PeakRss(proxy.process.pid) as peak:
                        stats[path]["lat"] += burst(proxy, big, CONCURRENCY)
                    stats[path]["peak"] = max(stats[path]["peak"], peak.peak)
                    emulator.reset()  # the emulator keeps what it received; not measured
            time.sleep(KEEP_WAIT_S)
            for path in paths:
                s = stats[path]
                results["paths"][path] = {
                    "base_mb": s["base"] / MB,
                    "peak_x": (s["peak"] - s["base"]) / CONCURRENCY / len(big),
                    "kept_mb": (rss(proxies[path].process.pid) - s["base"]) / MB,
                    "median_s": statistics.median(s["lat"]),
                }
            if trim:  # what of "kept" is garbage / free heap (bench/trim_probe.py)
                for sig, key in ((signal.SIGUSR1, "collected_mb"), (signal.SIGUSR2, "trimmed_mb")):
                    for path in paths:
                        os.kill(proxies[path].process.pid, sig)
                    time.sleep(2)
                    for path in paths:
                        kept = rss(proxies[path].process.pid) - stats[path]["base"]
                        results["paths"][path][key] = kept / MB
        finally:
            for proxy in proxies.values():
                proxy.stop()
            emulator.stop()
    return results


def _wait_up(proxy: Proxy, seconds: float = 400) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proxy.process.poll() is not None:
            raise RuntimeError(f"{proxy.name} exited:\n{proxy.log()[-3000:]}")
        try:
            if httpx.get(f"{proxy.url}/health/liveliness", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{proxy.name} did not come up")


def table(results: dict) -> str:
    payload_mb = results["payload"] / MB
    rows = results["paths"]
    lines = [
        f"Big payloads: {results['rounds']} rounds of {CONCURRENCY} concurrent requests, each a "
        f"{PDF_BYTES / 1e6:.1f} MB PDF as a data URL (request body {payload_mb:.1f} MiB = 1x "
        "payload); one proxy per path, shipped settings. Peak = highest RSS minus the RSS "
        f"before the burst, per request in flight; kept = RSS {KEEP_WAIT_S:.0f} s after the "
        "last round minus the RSS before the burst.",
        "",
        "| path | RSS before, MiB | peak growth / request, x payload | kept after, MiB | median s |",
        "|---|---|---|---|---|",
    ]
    for path, r in rows.items():
        trimmed = (
            f" ({r['collected_mb']:+.0f} after gc.collect, {r['trimmed_mb']:+.0f} after "
            "malloc_trim)"
            if "trimmed_mb" in r
            else ""
        )
        lines.append(
            f"| {path} | {r['base_mb']:.0f} | {r['peak_x']:.2f} | {r['kept_mb']:+.0f}{trimmed} "
            f"| {r['median_s']:.2f} |"
        )
    lines.append("")
    for floor, what in (("floor", "instant floor"), ("held", f"floor held {HELD_S:g} s")):
        if floor in rows and "laas" in rows:
            f, la = rows[floor], rows["laas"]
            lines.append(
                f"Plugin's own share (LaaS - {what}): {la['peak_x'] - f['peak_x']:+.2f}x payload "
                f"per request in flight (target <= 1), {la['kept_mb'] - f['kept_mb']:+.0f} MiB "
                "kept (target <= 150)."
            )
    if "native" in rows and "laas" in rows:
        n, la = rows["native"], rows["laas"]
        lines.append(
            f"LaaS / native: peak {la['peak_x'] / n['peak_x']:.2f}, kept "
            f"{la['kept_mb'] - n['kept_mb']:+.0f} MiB, median latency "
            f"{la['median_s'] / n['median_s']:.2f} (<= 1 means LaaS costs less)."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=YAML",
                        help="override a config setting in every proxy (for experiments)")  # fmt: skip
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for every proxy (e.g. MALLOC_ARENA_MAX=2)")  # fmt: skip
    parser.add_argument("--trim", action="store_true",
                        help="then malloc_trim(0) in each proxy and read the RSS again")  # fmt: skip
    args = parser.parse_args()
    overrides = {k: yaml.safe_load(v) for k, v in (s.split("=", 1) for s in args.set)}
    env = dict(e.split("=", 1) for e in args.env)
    results = run(args.rounds, overrides, env, tuple(args.paths.split(",")), trim=args.trim)
    print(table(results))


if __name__ == "__main__":
    main()
