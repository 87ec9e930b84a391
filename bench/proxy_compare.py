"""LaaS through our plugin vs LiteLLM's built-in `openai/` provider, behind one proxy.

Both models point at the same emulator process (LaaS endpoint vs its OpenAI-compatible
endpoint: identical answers, identical added latency), so the difference is the provider
path. Before measuring, both models are asked the same question and must answer the same
text (plain and streamed). Requests then alternate between the two models in small batches
(ABBA order), so machine noise hits both alike. Besides latency and throughput, the CPU
time the proxy (and the emulator) spent per request is read from /proc around each batch:
on a noisy machine it is the steadiest figure. Loopback only, bounded counts.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.e2e.harness import Emulator, Proxy, provider_map

LAAS, NATIVE = "laas-bench", "native-bench"
MESSAGES = [{"role": "user", "content": "Benchmark question: what is a preset?"}]


def request_body(model: str, stream: bool) -> dict:
    """The one request both models get; streamed calls ask for usage, as cost tracking does."""
    body = {"model": model, "messages": MESSAGES, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Cell:
    latencies: list[float]
    seconds: float
    proxy_cpu: float = 0.0
    emulator_cpu: float = 0.0
    gc_pauses: list[float] = field(default_factory=list)  # the proxy's full GCs, ms

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[98] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def proxy_cpu_ms(self) -> float:
        """The proxy's CPU per request, less its full GCs (reported apart: they land in
        whichever model's batch is running, and one is 0.3 s)."""
        return (self.proxy_cpu - sum(self.gc_pauses) / 1000) / len(self.latencies) * 1000

    @property
    def emulator_cpu_ms(self) -> float:
        return self.emulator_cpu / len(self.latencies) * 1000


async def _text(client: httpx.AsyncClient, model: str, stream: bool) -> str:
    """The answer's text, rebuilt from the chunks when streaming."""
    body = request_body(model, stream)
    if not stream:
        response = await client.post("/v1/chat/completions", json=body)
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]
    text = []
    async with client.stream("POST", "/v1/chat/completions", json=body) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if line.startswith("data: {"):
                for choice in json.loads(line[6:]).get("choices") or []:
                    text.append((choice.get("delta") or {}).get("content") or "")
    return "".join(text)


async def same_answers(url: str, key: str, models: tuple[str, ...] = (LAAS, NATIVE)) -> str:
    """The models answer the same text, plain and streamed; returns it (or raises)."""
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"},
                                 timeout=60) as client:  # fmt: skip
        texts = {(m, s): await _text(client, m, s) for m in models for s in (False, True)}
    if len(set(texts.values())) != 1:
        raise RuntimeError(f"the two models do not answer alike: {texts}")
    return texts[(models[0], False)]


async def _call(client: httpx.AsyncClient, model: str, stream: bool) -> float:
    body = request_body(model, stream)
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


class GcLog:
    """New lines of the proxy's full-GC log (bench/gc_probe.py) since the last read."""

    def __init__(self, path: Path | None):
        self.path, self.offset = path, 0

    def new_pauses(self) -> list[float]:
        if self.path is None or not self.path.exists():
            return []
        with self.path.open() as log:
            log.seek(self.offset)
            lines = log.readlines()
            self.offset = log.tell()
        return [float(line.split()[1]) for line in lines if line[:1].isdigit()]


async def measure(
    url: str, key: str, stream: bool, concurrency: int, rounds: int, per_round: int,
    pids: tuple[int, int] = (0, 0), models: tuple[str, str] = (LAAS, NATIVE),
    gc_log: Path | None = None,
) -> dict[str, Cell]:  # fmt: skip
    """Warm up, then ``rounds`` x ``per_round`` requests per model in alternating batches;
    CPU and full GCs are attributed to the model whose batch was running."""
    gcs = GcLog(gc_log)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    cells = {model: Cell([], 0.0) for model in models}
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"},
                                 timeout=120, limits=limits) as client:  # fmt: skip
        for model in models:  # warm-up, not measured
            await _batch(client, model, stream, concurrency * 2, concurrency)
        gcs.new_pauses()
        for r in range(rounds):
            order = models if r % 2 == 0 else models[::-1]
            for model in order:
                before = [cpu_seconds(pid) for pid in pids]
                latencies, seconds = await _batch(client, model, stream, per_round, concurrency)
                after = [cpu_seconds(pid) for pid in pids]
                cells[model].latencies += latencies
                cells[model].seconds += seconds
                cells[model].proxy_cpu += after[0] - before[0]
                cells[model].emulator_cpu += after[1] - before[1]
                cells[model].gc_pauses += gcs.new_pauses()
    return cells


def start(
    log_dir: Path, latency_ms: int, extra: dict[str, str] | None = None, gc_freeze: bool = False
) -> tuple[Emulator, Proxy]:
    """Emulator + proxy serving LAAS and NATIVE, plus ``extra`` {model name: handler path}
    (LaaS through another handler object, e.g. a candidate optimisation). The proxy
    loads bench/gc_probe.py; ``proxy.gc_log`` is its full-GC log."""
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
    for i, (name, handler) in enumerate((extra or {}).items()):
        provider = f"laasvariant{i}"
        config["model_list"].append(
            {"model_name": name, "litellm_params": {"model": f"{provider}/{name}"}}
        )
        config["litellm_settings"]["custom_provider_map"].append(
            {"provider": provider, "custom_handler": handler}
        )
    config["litellm_settings"]["custom_provider_map"].append(
        {"provider": "benchgcprobe", "custom_handler": "bench.gc_probe.handler"}
    )
    gc_log = log_dir / "gc.log"
    env = dict(emulator.laas_env("echo"), PYTHONPATH=str(Path(__file__).resolve().parent.parent),
               BENCH_GC_LOG=str(gc_log))  # fmt: skip
    proxy = Proxy(config, env, log_dir, name="proxy-bench")
    proxy.gc_log = gc_log
    proxy.start()
    # Every path served once (lazy imports done), then, if asked, freeze the heap.
    asyncio.run(same_answers(proxy.url, proxy.master_key, (LAAS, NATIVE, *(extra or {}))))
    if gc_freeze:
        os.kill(proxy.process.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while "# frozen" not in gc_log.read_text() if gc_log.exists() else True:
            if time.monotonic() > deadline:
                raise RuntimeError("the proxy did not freeze its heap (bench/gc_probe.py)")
            time.sleep(0.1)
    return emulator, proxy


def run(latency_ms: int = 20, quick: bool = False, gc_freeze: bool = True) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        emulator, proxy = start(Path(tmp), latency_ms, gc_freeze=gc_freeze)
        pids = (proxy.process.pid, emulator.process.pid)
        try:
            for stream in (False, True):
                for concurrency in (1, 32):
                    rounds, per_round = (8, 25) if concurrency == 1 else (8, 96)
                    if quick:
                        rounds, per_round = 2, max(10, per_round // 4)
                    cells = asyncio.run(
                        measure(proxy.url, proxy.master_key, stream, concurrency, rounds,
                                per_round, pids, gc_log=proxy.gc_log)
                    )  # fmt: skip
                    laas, native = cells[LAAS], cells[NATIVE]
                    rows.append({
                        "mode": "stream" if stream else "plain", "concurrency": concurrency,
                        "requests": len(laas.latencies),
                        "laas_median": laas.median_ms, "native_median": native.median_ms,
                        "laas_p99": laas.p99_ms, "native_p99": native.p99_ms,
                        "laas_rps": laas.throughput, "native_rps": native.throughput,
                        "laas_cpu": laas.proxy_cpu_ms, "native_cpu": native.proxy_cpu_ms,
                        "laas_emu": laas.emulator_cpu_ms, "native_emu": native.emulator_cpu_ms,
                        "laas_gc": laas.gc_pauses, "native_gc": native.gc_pauses,
                    })  # fmt: skip
        finally:
            proxy.stop()
            emulator.stop()
    return rows


def _pair(r: dict, key: str, digits: int) -> str:
    laas, native = r[f"laas_{key}"], r[f"native_{key}"]
    ratio = laas / native if native else float("nan")
    return f"{laas:.{digits}f} / {native:.{digits}f} ({ratio:.2f})"


def _gcs(pauses: list[float]) -> str:
    return f"{len(pauses)} ({sum(pauses):.0f} ms)"


def table(rows: list[dict], latency_ms: int, gc_freeze: bool = True) -> str:
    heap = "heap frozen after warm-up (gc.freeze)" if gc_freeze else "stock GC settings"
    lines = [
        f"Proxy path, LaaS plugin vs LiteLLM's openai/ provider (emulator latency {latency_ms} ms, "
        f"proxy {heap}). Each cell: LaaS / native (ratio LaaS / native). Latency and CPU: a "
        "ratio < 1 means LaaS costs less; throughput: > 1 means LaaS serves more. CPU = CPU time "
        "of the proxy process per request, not counting full GCs; full GCs = the proxy's generation-2 collections "
        "during that model's batches (each pauses every request in flight).",
        "",
        "| mode | clients | requests each | median ms | p99 ms | req/s | proxy CPU ms/req | emulator CPU ms/req | proxy full GCs, count (time) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['concurrency']} | {r['requests']} | {_pair(r, 'median', 1)} "
            f"| {_pair(r, 'p99', 1)} | {_pair(r, 'rps', 0)} | {_pair(r, 'cpu', 2)} "
            f"| {_pair(r, 'emu', 2)} | {_gcs(r['laas_gc'])} / {_gcs(r['native_gc'])} |"
        )
    return "\n".join(lines)
