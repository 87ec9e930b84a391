"""LaaS through our plugin vs LiteLLM's built-in `openai/` provider, behind one proxy.

Both models point at the same emulator process (LaaS endpoint vs its OpenAI-compatible
endpoint: identical answers, identical added latency), so the difference is the provider
path. Requests alternate between the two models in small interleaved batches, so machine
noise hits both alike. Loopback only, bounded counts.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.harness import Emulator, Proxy, provider_map

LAAS, NATIVE = "laas-bench", "native-bench"
MESSAGES = [{"role": "user", "content": "Benchmark question: what is a preset?"}]


@dataclass
class Cell:
    latencies: list[float]
    seconds: float

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[98] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds


async def _call(client: httpx.AsyncClient, model: str, stream: bool) -> float:
    body = {"model": model, "messages": MESSAGES, "stream": stream}
    started = time.perf_counter()
    if stream:
        async with client.stream("POST", "/v1/chat/completions", json=body) as response:
            async for _ in response.aiter_lines():
                pass
    else:
        response = await client.post("/v1/chat/completions", json=body)
    if response.status_code != 200:
        raise RuntimeError(f"{model}: HTTP {response.status_code}")
    return time.perf_counter() - started


async def _batch(
    client, model: str, stream: bool, count: int, concurrency: int
) -> tuple[list[float], float]:
    sem = asyncio.Semaphore(concurrency)

    async def one() -> float:
        async with sem:
            return await _call(client, model, stream)

    started = time.perf_counter()
    latencies = await asyncio.gather(*(one() for _ in range(count)))
    return list(latencies), time.perf_counter() - started


async def measure(
    url: str, key: str, stream: bool, concurrency: int, rounds: int, per_round: int
) -> dict[str, Cell]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    cells = {LAAS: Cell([], 0.0), NATIVE: Cell([], 0.0)}
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"},
                                 timeout=120, limits=limits) as client:  # fmt: skip
        for model in (LAAS, NATIVE):  # warm-up, not measured
            await _batch(client, model, stream, concurrency * 2, concurrency)
        for r in range(rounds):
            order = (LAAS, NATIVE) if r % 2 == 0 else (NATIVE, LAAS)
            for model in order:
                latencies, seconds = await _batch(client, model, stream, per_round, concurrency)
                cells[model].latencies += latencies
                cells[model].seconds += seconds
    return cells


def start(log_dir: Path, latency_ms: int) -> tuple[Emulator, Proxy]:
    import os

    os.environ["LAAS_EMULATOR_LATENCY_MS"] = str(latency_ms)
    emulator = Emulator(log_dir)
    emulator.start()
    config = {
        "model_list": [
            {"model_name": LAAS, "litellm_params": {"model": f"laas/{LAAS}"}},
            {"model_name": NATIVE, "litellm_params": {"model": "openai/emulator", "api_base": f"{emulator.url}/v1",
                                                      "api_key": "not-checked"}},
        ],
        "litellm_settings": provider_map(),
        "router_settings": {"num_retries": 0},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }  # fmt: skip
    proxy = Proxy(config, emulator.laas_env("echo"), log_dir, name="proxy-bench")
    proxy.start()
    return emulator, proxy


def run(latency_ms: int = 20, quick: bool = False) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        emulator, proxy = start(Path(tmp), latency_ms)
        try:
            for stream in (False, True):
                for concurrency in (1, 32):
                    rounds, per_round = (4, 25) if concurrency == 1 else (4, 160)
                    if quick:
                        rounds, per_round = 2, max(10, per_round // 4)
                    cells = asyncio.run(
                        measure(proxy.url, proxy.master_key, stream, concurrency, rounds, per_round)
                    )
                    laas, native = cells[LAAS], cells[NATIVE]
                    rows.append({
                        "mode": "stream" if stream else "plain", "concurrency": concurrency,
                        "requests": len(laas.latencies),
                        "laas_median": laas.median_ms, "native_median": native.median_ms,
                        "laas_p99": laas.p99_ms, "native_p99": native.p99_ms,
                        "laas_rps": laas.throughput, "native_rps": native.throughput,
                    })  # fmt: skip
        finally:
            proxy.stop()
            emulator.stop()
    return rows


def table(rows: list[dict], latency_ms: int) -> str:
    lines = [
        f"Proxy path, LaaS plugin vs LiteLLM's openai/ provider (emulator latency {latency_ms} ms; "
        "ratio = LaaS / native, < 1 means LaaS is faster; for throughput > 1 means LaaS is faster)",
        "",
        "| mode | clients | requests each | median ms LaaS / native (ratio) | p99 ms LaaS / native (ratio) | req/s LaaS / native (ratio) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['concurrency']} | {r['requests']} "
            f"| {r['laas_median']:.1f} / {r['native_median']:.1f} ({r['laas_median'] / r['native_median']:.2f}) "
            f"| {r['laas_p99']:.1f} / {r['native_p99']:.1f} ({r['laas_p99'] / r['native_p99']:.2f}) "
            f"| {r['laas_rps']:.0f} / {r['native_rps']:.0f} ({r['laas_rps'] / r['native_rps']:.2f}) |"
        )
    return "\n".join(lines)
