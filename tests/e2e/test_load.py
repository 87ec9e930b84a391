"""Load through the real proxy to the emulator: zero errors, upstream connections reused,
memory stable after warm-up, and client disconnects cancelling the upstream call.

Bounded: LOAD_REQUESTS requests (2,000) at LOAD_CONCURRENCY (64) concurrent clients, on
127.0.0.1 only; a mix of text, images, PDFs and streaming; about 30 s on a 2-core machine,
so CI runs the full size."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest

from tests.media import data_url, image, pdf

from .conftest import laas_model
from .harness import Proxy, provider_map
from .load import run_load

TOTAL = int(os.environ.get("LOAD_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "64"))
WARM_UP = 200
# The pool opens at most about one connection per concurrent request and reuses them.
POOL = CONCURRENCY + 16


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def make_request(i: int) -> dict:
    kind = MIX[i % len(MIX)]
    return kind(i)


def text(i: int) -> dict:
    return {"model": "laas-load", "messages": [{"role": "user", "content": f"request {i}"}]}


def streamed(i: int) -> dict:
    return {**text(i), "stream": True}


PNG = data_url("image/png", image("PNG"))
PDF = data_url("application/pdf", pdf(3, True))


def multimodal(i: int) -> dict:
    parts = [{"type": "text", "text": f"request {i}"},
             {"type": "image_url", "image_url": {"url": PNG}},
             {"type": "image_url", "image_url": {"url": "https://static.example.com/a.jpg"}},
             {"type": "file", "file": {"file_data": PDF}}]  # fmt: skip
    return {"model": "laas-load", "messages": [{"role": "user", "content": parts}]}


def multimodal_streamed(i: int) -> dict:
    return {**multimodal(i), "stream": True}


MIX = [text, streamed, multimodal, text, multimodal_streamed, streamed]


@pytest.fixture(scope="module")
def load_proxy(emulator, log_dir):
    config = {
        "model_list": [laas_model("laas-load")],
        "litellm_settings": provider_map(),
        "router_settings": {"num_retries": 0},
        "general_settings": {
            "master_key": "os.environ/LITELLM_MASTER_KEY",
            "cancel_on_disconnect": True,
        },
    }
    with Proxy(config, emulator.laas_env("echo"), log_dir, name="proxy-load") as server:
        yield server


def test_load_has_no_errors_reuses_connections_and_keeps_memory_stable(load_proxy, emulator):
    pid = load_proxy.process.pid
    warm = asyncio.run(
        run_load(load_proxy.url, load_proxy.master_key, WARM_UP, CONCURRENCY, make_request)
    )
    assert warm.error_count == 0, warm.summary()
    emulator.reset()
    rss_before = rss_mb(pid)

    result = asyncio.run(
        run_load(load_proxy.url, load_proxy.master_key, TOTAL, CONCURRENCY, make_request)
    )
    rss_after = rss_mb(pid)
    stats = httpx.get(f"{emulator.url}/_emulator/stats").json()
    report = (
        f"{result.summary()}; upstream connections {stats['connections']} for {stats['requests']} "
        f"requests; proxy RSS {rss_before:.0f} -> {rss_after:.0f} MB"
    )
    print(report)

    assert result.error_count == 0, report
    assert stats["requests"] == TOTAL, report
    assert stats["connections"] <= POOL, report  # about the pool size, not one per request
    assert rss_after - rss_before < max(50.0, 0.15 * rss_before), report


@pytest.mark.parametrize("stream", [False, True])
def test_client_disconnect_cancels_the_upstream_call(load_proxy, emulator, stream):
    emulator.reset()
    body = {**text(0), "stream": stream, "params": {"emulator_fault": "kind=slow;delay=10"}}
    with pytest.raises(httpx.TimeoutException):
        httpx.post(f"{load_proxy.url}/v1/chat/completions", json=body, timeout=1.0,
                   headers={"Authorization": f"Bearer {load_proxy.master_key}"})  # fmt: skip
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if httpx.get(f"{emulator.url}/_emulator/stats").json()["disconnected"] == 1:
            break
        time.sleep(0.1)
    assert httpx.get(f"{emulator.url}/_emulator/stats").json()["disconnected"] == 1
    # ... and the proxy still serves normally afterwards.
    response = httpx.post(f"{load_proxy.url}/v1/chat/completions", json=text(1), timeout=30,
                          headers={"Authorization": f"Bearer {load_proxy.master_key}"})  # fmt: skip
    assert response.status_code == 200
