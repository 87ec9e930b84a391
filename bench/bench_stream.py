"""Streaming: time to first token and total time, native vs faked, and memory per open stream.

One emulator (SSE on, tokens paced at ``--token-rate``; a whole answer waits as long as its
stream would take) and one proxy with two models on the same preset: `native`
(`native_stream: orchestrator`: LaaS's events relayed as they arrive) and `faked` (the
default: one blocking call, then the answer as chunks). The emulator's own first byte and
first token are read directly from it (no proxy) in the same run. Streams go in
alternating batches at 1 and 32 concurrent streams. Memory: the proxy's resident set while
N native streams are held open mid-answer (a stall after the first tokens), minus before,
over N; the same for N faked requests waiting for their answer. Loopback only.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.e2e.harness import Emulator, Proxy, provider_map

NATIVE, FAKED = "stream-native", "stream-faked"
MESSAGES = [{"role": "user", "content": "Benchmark question: what is a preset?"}]
OPEN_STREAMS = 64


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _first_text(line: str) -> bool:
    if not line.startswith("data: {"):
        return False
    for choice in json.loads(line[6:]).get("choices") or []:
        if (choice.get("delta") or {}).get("content"):
            return True
    return False


async def one_stream(
    client: httpx.AsyncClient, url: str, body: dict, headers: dict
) -> tuple[float, float, float]:
    """Seconds to the first byte, to the first token, and to the end of one stream."""
    if not url:
        return await plugin_stream(body)
    started = time.perf_counter()
    first_byte = first_token = None
    async with client.stream("POST", url, json=body, headers=headers) as response:
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {(await response.aread())[:200]}")
        async for line in response.aiter_lines():
            now = time.perf_counter() - started
            first_byte = now if first_byte is None else first_byte
            if first_token is None and _first_text(line):
                first_token = now
    total = time.perf_counter() - started
    return first_byte or total, first_token or total, total


class Target:
    def __init__(self, name: str, url: str, body: dict, headers: dict):
        """``url`` empty: the plugin in-process, ``body`` its LAAS_* settings."""
        self.name, self.url, self.body, self.headers = name, url, body, headers
        self.ttfb: list[float] = []
        self.ttft: list[float] = []
        self.total: list[float] = []


async def plugin_stream(settings: dict) -> tuple[float, float, float]:
    """The plugin alone (its ``astreaming`` in this process, no proxy): seconds to the first
    chunk, to the first text, to the end."""
    from laas_provider import laas_provider

    started = time.perf_counter()
    first_byte = first_token = None
    async for chunk in laas_provider.astreaming(
        model=NATIVE, messages=MESSAGES, api_base=settings["LAAS_API_BASE"],
        api_key=settings["LAAS_API_KEY"], custom_prompt_dict={}, model_response=None,
        print_verbose=None, encoding=None, logging_obj=None, litellm_params={},
        optional_params={"native_stream": "orchestrator", "project_code":
                         settings["LAAS_PROJECT_CODE"], "preset_hash": settings["LAAS_PRESET_HASH"]},
    ):  # fmt: skip
        now = time.perf_counter() - started
        first_byte = now if first_byte is None else first_byte
        if first_token is None and chunk["text"]:
            first_token = now
    total = time.perf_counter() - started
    return first_byte or total, first_token or total, total


async def measure(targets: list[Target], concurrency: int, rounds: int) -> None:
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        for target in targets:  # warm-up, not measured
            await asyncio.gather(*(one_stream(client, target.url, target.body, target.headers)
                                   for _ in range(concurrency)))  # fmt: skip
        for r in range(rounds):
            for target in targets if r % 2 == 0 else targets[::-1]:
                results = await asyncio.gather(
                    *(one_stream(client, target.url, target.body, target.headers)
                      for _ in range(concurrency))
                )  # fmt: skip
                for ttfb, ttft, total in results:
                    target.ttfb.append(ttfb)
                    target.ttft.append(ttft)
                    target.total.append(total)


async def memory_per_stream(proxy: Proxy, emulator: Emulator, model: str, fault: str,
                            count: int) -> float:  # fmt: skip
    """KiB of proxy RSS per request held open (``fault`` keeps each one open upstream)."""
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    url = f"{proxy.url}/v1/chat/completions"
    body = {"model": model, "messages": MESSAGES, "stream": True,
            "params": {"emulator_fault": fault}}  # fmt: skip
    limits = httpx.Limits(max_connections=count + 4)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        # Warm the path and the connection pools at this concurrency, then measure.
        for _ in range(2):
            await asyncio.gather(*(one_stream(client, url, {**body, "params": {}}, headers)
                                   for _ in range(count)))  # fmt: skip
        await asyncio.sleep(0.5)
        before = rss_kib(proxy.process.pid)
        sent = emulator.stats()["requests"]

        async def hold() -> None:
            async with client.stream("POST", url, json=body, headers=headers) as response:
                async for _ in response.aiter_lines():
                    pass

        tasks = [asyncio.create_task(hold()) for _ in range(count)]
        deadline = time.monotonic() + 60
        while (reached := emulator.stats()["requests"] - sent) < count:  # all reached LaaS
            if time.monotonic() > deadline:
                failed = [t.exception() for t in tasks if t.done() and not t.cancelled()]
                raise RuntimeError(f"{reached} of {count} held requests reached the emulator; "
                                   f"{len(failed)} failed: {failed[:2]}")  # fmt: skip
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # and is now waiting on it, mid-stream or for the answer
        during = rss_kib(proxy.process.pid)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return (during - before) / count


def run(token_rate: float = 50, quick: bool = False) -> dict:
    rounds = 3 if quick else 8
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        emulator = Emulator(log_dir, extra_args=("--deviate", "stream_sse",
                                                 "--token-rate", str(token_rate)))  # fmt: skip
        emulator.start()
        config = {
            "model_list": [
                {"model_name": NATIVE, "litellm_params": {"model": f"laas/{NATIVE}",
                                                          "native_stream": "orchestrator"}},
                {"model_name": FAKED, "litellm_params": {"model": f"laas/{FAKED}"}},
            ],
            "litellm_settings": provider_map(),
            "router_settings": {"num_retries": 0},
            "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY",
                                 "cancel_on_disconnect": True},
        }  # fmt: skip
        proxy = Proxy(config, emulator.laas_env("echo"), log_dir, name="proxy-stream")
        proxy.start()
        result: dict = {"token_rate": token_rate, "rows": []}
        try:
            env = emulator.laas_env("echo")
            laas_headers = {"project": env["LAAS_PROJECT_CODE"], "apiKey": env["LAAS_API_KEY"]}
            direct_url = (
                f"{emulator.url}/api/llm-orchestrator/chat/stream/{env['LAAS_PRESET_HASH']}/2"
            )
            proxy_headers = {"Authorization": f"Bearer {proxy.master_key}"}
            chat = f"{proxy.url}/v1/chat/completions"
            for concurrency in (1, 32):
                targets = [
                    Target("emulator", direct_url, {"messages": MESSAGES}, laas_headers),
                    Target("plugin", "", env, {}),
                    Target(
                        "native",
                        chat,
                        {"model": NATIVE, "messages": MESSAGES, "stream": True},
                        proxy_headers,
                    ),
                    Target(
                        "faked",
                        chat,
                        {"model": FAKED, "messages": MESSAGES, "stream": True},
                        proxy_headers,
                    ),
                ]
                asyncio.run(
                    measure(
                        targets, concurrency, rounds if concurrency == 1 else max(2, rounds // 2)
                    )
                )
                result["rows"].append({"concurrency": concurrency, **{
                    t.name: {"ttfb": statistics.median(t.ttfb) * 1000,
                             "ttft": statistics.median(t.ttft) * 1000,
                             "total": statistics.median(t.total) * 1000,
                             "n": len(t.ttft)} for t in targets}})  # fmt: skip
            count = 16 if quick else OPEN_STREAMS
            result["open"] = count
            result["mem_native"] = asyncio.run(
                memory_per_stream(proxy, emulator, NATIVE, "kind=stall;after=3;delay=60", count)
            )
            result["mem_faked"] = asyncio.run(
                memory_per_stream(proxy, emulator, FAKED, "kind=slow;delay=60", count)
            )
        except Exception:
            print(proxy.log()[-3000:], emulator.log()[-3000:])  # before the logs are deleted
            raise
        finally:
            proxy.stop()
            emulator.stop()
    return result


def table(result: dict) -> str:
    lines = [
        f"Streaming (emulator at {result['token_rate']:g} tokens/s; echo answer; median ms). "
        "TTFT = time to the first text chunk; `emulator` = its own SSE endpoint called "
        "directly (its first byte is the role chunk); plugin alone = the handler's astreaming "
        "called in the bench process (no proxy); native = `native_stream: orchestrator` "
        "through the proxy; faked = the default (one call, then the answer as chunks); "
        "native and faked both pay the proxy's own per-request cost.",
        "",
        "| streams at once | emulator first byte | emulator TTFT | plugin alone TTFT (- emulator) "
        "| native TTFT | faked TTFT | faked / native TTFT | emulator total | native total "
        "| faked total | streams each |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        e, p, n, f = r["emulator"], r["plugin"], r["native"], r["faked"]
        lines.append(
            f"| {r['concurrency']} | {e['ttfb']:.1f} | {e['ttft']:.1f} "
            f"| {p['ttft']:.1f} ({p['ttft'] - e['ttft']:+.1f}) | {n['ttft']:.1f} "
            f"| {f['ttft']:.1f} | {f['ttft'] / n['ttft']:.1f}x | {e['total']:.1f} "
            f"| {n['total']:.1f} | {f['total']:.1f} | {n['n']} |"
        )
    lines += [
        "",
        f"Proxy memory per open request ({result['open']} held open at once, RSS during minus "
        f"before, over {result['open']}): native stream mid-answer "
        f"{result['mem_native']:.0f} KiB; faked stream waiting for its answer "
        f"{result['mem_faked']:.0f} KiB.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--token-rate", type=float, default=50)
    args = parser.parse_args()
    print(table(run(args.token_rate, args.quick)))
