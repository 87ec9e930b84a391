"""The plugin alone: translation, response translation, and the handler's own overhead with
LaaS mocked at the transport level (httpx.MockTransport), per request, time and memory."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable

import httpx
from litellm.types.utils import ModelResponse

from bench.bench_multimodal import case_images, case_pdf
from laas_provider import client, laas_provider
from laas_provider.transform import (
    build_body,
    plan,
    read_answer,
    to_laas_messages,
    to_model_response,
)

HASH = "a" * 64
CHAT = [
    {"role": "system", "content": "You are a helpful assistant. Answer briefly."},
    *[
        {
            "role": "user" if i % 2 == 0 else "assistant",
            "content": f"Turn {i}: " + "some words " * 20,
        }
        for i in range(9)
    ],
]
ANSWER = {
    "id": "x", "object": "chat.completion", "created": 1_763_000_000, "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "An answer. " * 40}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 300, "completion_tokens": 120, "total_tokens": 420},
}  # fmt: skip
ANSWER_BYTES = json.dumps(ANSWER).encode()
# An agent's request: 10 tools with typical parameter schemas, and an answer calling two.
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": f"tool_{i}",
            "description": f"Tool number {i}: looks something up.",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "minLength": 1},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 50},
                    "filters": {"type": "array", "items": {"type": "string"}},
                    "mode": {"enum": ["fast", "exact"]},
                },
                "required": ["query"],
                "additionalProperties": False,
            },
        },
    }
    for i in range(10)
]
TOOL_ANSWER = (
    "I will look both up.\n```json\n"
    + json.dumps(
        {
            "tool_calls": [
                {"name": "tool_3", "arguments": {"query": "seoul weather", "limit": 5}},
                {"name": "tool_7", "arguments": {"query": "busan", "filters": ["a", "b"], "mode": "exact"}},
            ]
        }
    )
    + "\n```"
)  # fmt: skip
TOOL_TARGET_US = 200


def per_call(fn: Callable[[], object], seconds: float = 0.5) -> float:
    """Median seconds per call over batches filling about ``seconds``."""
    fn()
    started, n = time.perf_counter(), 0
    while time.perf_counter() - started < 0.05:
        fn()
        n += 1
    batch = max(1, n)
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        t = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - t) / batch)
    return statistics.median(samples)


def peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def handler_overhead() -> tuple[float, float]:
    """Seconds per call: the handler with a mocked transport, and bare httpx on the same mock."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=ANSWER_BYTES, headers={"content-type": "application/json"}
        )

    async def go() -> tuple[float, float]:
        mock = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        client._async_clients[asyncio.get_running_loop()] = mock
        kwargs = dict(
            model="bench", messages=CHAT, api_base="http://laas.bench", custom_prompt_dict={},
            model_response=ModelResponse(), print_verbose=print, encoding=None, api_key="k",
            logging_obj=None, optional_params={"project_code": "p", "preset_hash": HASH, "temperature": 0.2},
            litellm_params={}, timeout=600.0,
        )  # fmt: skip

        async def timed(coro_fn, n: int = 2000) -> float:
            for _ in range(50):
                await coro_fn()
            samples = []
            for _ in range(5):
                t = time.perf_counter()
                for _ in range(n // 5):
                    await coro_fn()
                samples.append((time.perf_counter() - t) / (n // 5))
            return statistics.median(samples)

        async def through_handler():
            # litellm hands the handler a ModelResponse; building it is litellm's cost, not ours.
            await laas_provider.acompletion(**kwargs)

        async def bare():
            response = await mock.post(
                "http://laas.bench/api/preset/v2/chat/completions", content=b"{}"
            )
            response.json()

        return await timed(through_handler), await timed(bare)

    return asyncio.run(go())


def guard_overhead(rounds: int = 5, n: int = 5000) -> tuple[float, float]:
    """The proxy's pre-call hook step for a chat request, without and with the non-chat
    guard among LiteLLM's callbacks (alternating rounds, median seconds per request)."""
    import litellm
    from litellm.caching.dual_cache import DualCache
    from litellm.proxy._types import UserAPIKeyAuth
    from litellm.proxy.utils import ProxyLogging

    from laas_provider.proxy import non_chat

    async def go() -> tuple[float, float]:
        logging_obj = ProxyLogging(user_api_key_cache=DualCache())
        key = UserAPIKeyAuth(api_key="sk-bench")
        saved = list(litellm.callbacks)
        samples: dict[bool, list[float]] = {False: [], True: []}
        try:
            for _ in range(rounds):
                for with_guard in (False, True):
                    litellm.callbacks[:] = [non_chat.guard] if with_guard else []
                    t = time.perf_counter()
                    for _ in range(n):
                        await logging_obj.pre_call_hook(
                            user_api_key_dict=key,
                            data={"model": "m", "messages": CHAT[:1]},
                            call_type="acompletion",
                        )
                    samples[with_guard].append((time.perf_counter() - t) / n)
        finally:
            litellm.callbacks[:] = saved
        return statistics.median(samples[False]), statistics.median(samples[True])

    return asyncio.run(go())


def run(quick: bool = False) -> list[tuple[str, str, str]]:
    seconds = 0.2 if quick else 0.5
    rows = []
    t = per_call(
        lambda: build_body(HASH, CHAT, {"temperature": 0.2, "params": {"q": "x"}}), seconds
    )
    rows.append(("request translation, 10-message text chat", f"{t * 1e6:.1f} µs",
                 f"{peak(lambda: build_body(HASH, CHAT, {})) / 1024:.1f} kB"))  # fmt: skip
    t = per_call(lambda: to_model_response(ANSWER, "m"), seconds)
    rows.append(
        (
            "response translation",
            f"{t * 1e6:.1f} µs",
            f"{peak(lambda: to_model_response(ANSWER, 'm')) / 1024:.1f} kB",
        )
    )
    agent = plan({"tools": TOOLS, "tool_choice": "auto"}, emulation=True)
    assert not read_answer(TOOL_ANSWER, None, agent).problems  # the bench measures a valid answer
    t = per_call(lambda: read_answer(TOOL_ANSWER, None, agent), seconds)
    rows.append(
        (
            f"tools: parse + validate one answer, 10-tool request (target {TOOL_TARGET_US} µs)",
            f"{t * 1e6:.1f} µs ({t * 1e6 / TOOL_TARGET_US:.2f} of target)",
            f"{peak(lambda: read_answer(TOOL_ANSWER, None, agent)) / 1024:.1f} kB",
        )
    )
    t = per_call(lambda: build_body(HASH, CHAT, {}, agent=agent), seconds)
    rows.append(
        ("tools: request translation with the 10-tool instruction", f"{t * 1e6:.1f} µs", "—")
    )
    for make in (case_images, case_pdf):
        name, messages, payload = make()
        t = per_call(lambda m=messages: to_laas_messages(m), seconds)
        top = peak(lambda m=messages: to_laas_messages(m))
        rows.append(
            (
                f"check: {name}",
                f"{t * 1000:.1f} ms",
                f"{top / 1024 / 1024:.1f} MB ({top / payload:.2f}x payload)",
            )
        )
    handler, bare = handler_overhead()
    rows.append(
        ("handler acompletion, upstream mocked (incl. httpx)", f"{handler * 1e6:.0f} µs", "—")
    )
    rows.append(("  bare httpx call on the same mock", f"{bare * 1e6:.0f} µs", "—"))
    rows.append(("  the plugin's own cost per request", f"{(handler - bare) * 1e6:.0f} µs", "—"))
    without, with_guard = guard_overhead(rounds=3 if quick else 5)
    rows.append(
        ("proxy pre-call hooks, chat request, no callbacks", f"{without * 1e6:.1f} µs", "—")
    )
    rows.append(("  with the non-chat guard installed",
                 f"{with_guard * 1e6:.1f} µs ({with_guard / without:.2f}x)", "—"))  # fmt: skip
    return rows


def table(rows: list[tuple[str, str, str]]) -> str:
    lines = [
        "The plugin alone (median per call)",
        "",
        "| what | time | peak memory |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)
