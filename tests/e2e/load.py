"""A bounded load generator for the proxy (loopback only): N requests, C concurrent clients."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

RequestMaker = Callable[[int], dict[str, Any]]


@dataclass
class LoadResult:
    requests: int = 0
    errors: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> str:
        q = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0.0] * 99
        return (
            f"{self.requests} requests in {self.seconds:.1f} s ({self.requests / self.seconds:.0f}/s), "
            f"errors {self.error_count} {dict(self.errors)}, "
            f"latency p50 {q[49] * 1000:.0f} ms p99 {q[98] * 1000:.0f} ms"
        )


async def _one(client: httpx.AsyncClient, body: dict[str, Any], result: LoadResult) -> None:
    started = time.perf_counter()
    try:
        if body.get("stream"):
            async with client.stream("POST", "/v1/chat/completions", json=body) as response:
                text = "".join([line async for line in response.aiter_lines()])
                ok = response.status_code == 200 and "[DONE]" in text and '"error"' not in text
                status = response.status_code
        else:
            response = await client.post("/v1/chat/completions", json=body)
            status = response.status_code
            ok = status == 200 and json.loads(response.text)["choices"][0]["message"]["content"]
        if not ok:
            result.errors[f"status {status}"] += 1
    except httpx.HTTPError as exc:
        result.errors[type(exc).__name__] += 1
    result.latencies.append(time.perf_counter() - started)
    result.requests += 1


async def run_load(url: str, key: str, total: int, concurrency: int, make: RequestMaker,
                   timeout: float = 120.0) -> LoadResult:  # fmt: skip
    result = LoadResult()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"},
                                 timeout=timeout, limits=limits) as client:  # fmt: skip

        async def worker() -> None:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await _one(client, make(i), result)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result
