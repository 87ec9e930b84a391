"""Issue 21 through the real proxy: native streaming (`native_stream`) on the emulator's SSE
endpoints, with the `openai` and `anthropic` clients — deltas as they arrive, errors before
and after the first byte, client disconnects, and tool emulation's held-back calls."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest

from laas_provider.emulator import preset_hash

from ..tool_answers import WEATHER
from .conftest import PRICES, laas_model
from .harness import Emulator, Proxy, provider_map

pytestmark = pytest.mark.e2e

RATE = 100  # tokens per second: the echo answer (~70 tokens) takes ~0.7 s to stream
USER = [{"role": "user", "content": "Stream me a sentence, please."}]


@pytest.fixture(scope="module")
def sse_emulator(log_dir) -> Iterator[Emulator]:
    args = ("--deviate", "stream_sse", "--token-rate", str(RATE))
    with Emulator(log_dir, extra_args=args) as emu:
        yield emu


@pytest.fixture(scope="module")
def sse_proxy(sse_emulator: Emulator, log_dir) -> Iterator[Proxy]:
    config = {
        "model_list": [
            {**laas_model("orch", native_stream="orchestrator"), "model_info": PRICES},
            {**laas_model("v2-sse", native_stream="v2"), "model_info": PRICES},
            laas_model("faked"),
            laas_model("orch-stall", native_stream="orchestrator", laas_timeout=1.5),
            laas_model("orch-primary", native_stream="orchestrator"),
            laas_model("orch-backup", native_stream="orchestrator"),
            laas_model(
                "orch-agent",
                native_stream="orchestrator",
                tool_emulation=True,
                preset_hash=preset_hash("agent"),
            ),
        ],
        "litellm_settings": provider_map(),
        "router_settings": {"num_retries": 0, "fallbacks": [{"orch-primary": ["orch-backup"]}]},
        "general_settings": {
            "master_key": "os.environ/LITELLM_MASTER_KEY",
            "cancel_on_disconnect": True,
        },
    }
    with Proxy(config, sse_emulator.laas_env("echo"), log_dir, name="proxy-sse") as server:
        yield server


@pytest.fixture
def oai(sse_proxy: Proxy, sse_emulator: Emulator) -> openai.OpenAI:
    sse_emulator.reset()
    return openai.OpenAI(
        base_url=f"{sse_proxy.url}/v1", api_key=sse_proxy.master_key, max_retries=0
    )


def timed_stream(create, **kwargs) -> tuple[str, list, float, float]:
    """``create(**kwargs, stream=True)``: text, chunks, seconds to the first text and to the
    end (from the request, headers included: the faked path sends them with its first chunk)."""
    started = time.perf_counter()
    first = None
    chunks = []
    for chunk in create(**kwargs, stream=True):
        chunks.append(chunk)
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - started
    total = time.perf_counter() - started
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return text, chunks, first if first is not None else total, total


@pytest.mark.parametrize("model", ["orch", "v2-sse"])
def test_native_stream_sends_the_first_token_long_before_the_end(oai, model):
    whole = oai.chat.completions.create(model="faked", messages=USER).choices[0].message.content
    text, chunks, first, total = timed_stream(
        oai.chat.completions.create, model=model, messages=USER
    )
    assert text == whole
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) > 10
    assert first < total / 3  # the faked path sends its first token at the end
    assert len({c.id for c in chunks}) == 1 and chunks[0].choices[0].delta.role == "assistant"


def test_faked_stream_sends_the_first_token_at_the_end(oai):
    _, _, first, total = timed_stream(oai.chat.completions.create, model="faked", messages=USER)
    assert first > total * 0.8


def test_each_endpoint_is_called_as_configured(oai, sse_emulator):
    list(oai.chat.completions.create(model="orch", messages=USER, stream=True))
    list(oai.chat.completions.create(model="v2-sse", messages=USER, stream=True))
    orch, v2 = sse_emulator.received()
    assert "stream" not in orch and orch["hash"] == preset_hash("echo")  # hash from the path
    assert v2["stream"] is True


def test_usage_is_the_services_on_v2_and_estimated_on_the_orchestrator(oai):
    usage = {}
    for model in ("v2-sse", "orch"):
        chunks = list(
            oai.chat.completions.create(
                model=model, messages=USER, stream=True, stream_options={"include_usage": True}
            )
        )
        usage[model] = chunks[-1].usage
        finishes = [
            c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
        ]
        assert finishes == ["stop"]
    whole = oai.chat.completions.create(model="faked", messages=USER).usage
    assert usage["v2-sse"].completion_tokens == whole.completion_tokens  # the emulator's count
    assert usage["orch"].completion_tokens > 0 and usage["orch"].prompt_tokens > 0
    assert usage["orch"].model_extra["cost"] > 0


def test_v2_that_ignores_stream_is_faked_from_its_one_answer(oai, sse_emulator):
    httpx.post(f"{sse_emulator.url}/_emulator/behaviour", json={"deviate": []}).raise_for_status()
    try:
        text, _, _, _ = timed_stream(oai.chat.completions.create, model="v2-sse", messages=USER)
    finally:
        httpx.post(
            f"{sse_emulator.url}/_emulator/behaviour", json={"deviate": ["stream_sse"]}
        ).raise_for_status()
    assert text.startswith("[laas-emulator]")


# --- errors --------------------------------------------------------------------------------


def test_an_error_before_the_first_byte_is_a_real_status(oai, sse_emulator):
    sse_emulator.queue_fault(status=429, body={"message": "slow down"})
    with pytest.raises(openai.RateLimitError) as caught:
        list(oai.chat.completions.create(model="orch", messages=USER, stream=True))
    assert "slow down" in str(caught.value)


def test_an_error_before_the_first_byte_falls_back(oai, sse_emulator):
    sse_emulator.queue_fault(status=503)
    response = oai.chat.completions.with_raw_response.create(
        model="orch-primary", messages=USER, stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in response.parse() if c.choices)
    assert text.startswith("[laas-emulator]")
    assert response.headers.get("x-litellm-attempted-fallbacks") == "1"


@pytest.mark.parametrize("kind", ["cut", "bad_event", "error_event"])
def test_a_fault_mid_stream_ends_the_stream_with_an_error_the_client_raises(
    oai, sse_emulator, kind
):
    sse_emulator.queue_fault(kind=kind, after=5)
    received = []
    with pytest.raises(openai.APIError):
        for chunk in oai.chat.completions.create(model="orch", messages=USER, stream=True):
            if chunk.choices:
                received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "[laas-emulator] preset=echo"[:20]  # the 5 tokens before it


def test_a_stall_mid_stream_ends_after_the_read_timeout(oai, sse_emulator):
    sse_emulator.queue_fault(kind="stall", after=3, delay=30)
    started = time.perf_counter()
    with pytest.raises(openai.APIError):
        list(oai.chat.completions.create(model="orch-stall", messages=USER, stream=True))
    assert time.perf_counter() - started < 10  # laas_timeout 1.5 s, not the 30 s stall


def test_a_client_that_goes_away_cancels_the_upstream_read(sse_proxy, sse_emulator):
    sse_emulator.reset()
    sse_emulator.queue_fault(kind="stall", after=3, delay=60)
    body = {"model": "orch", "messages": USER, "stream": True}
    headers = {"Authorization": f"Bearer {sse_proxy.master_key}"}
    with httpx.stream(
        "POST", f"{sse_proxy.url}/v1/chat/completions", json=body, headers=headers, timeout=30
    ) as response:
        for line in response.iter_lines():
            if '"content":"[laa' in line.replace(" ", ""):
                break  # the first token arrived; now hang up
    deadline = time.monotonic() + 5
    while sse_emulator.stats()["disconnected"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sse_emulator.stats()["disconnected"] == 1


# --- tool emulation -----------------------------------------------------------------------


def script(emulator: Emulator, *answers: str) -> None:
    httpx.post(
        f"{emulator.url}/_emulator/script", json={"preset": "agent", "answers": list(answers)}
    ).raise_for_status()


def test_a_plain_text_answer_streams_under_tool_emulation(oai, sse_emulator):
    answer = "It is probably sunny in Seoul, but I can check if you like. " * 6  # ~1 s
    script(sse_emulator, answer)
    text, chunks, first, total = timed_stream(
        oai.chat.completions.create, model="orch-agent", messages=USER, tools=[WEATHER]
    )
    assert text == answer
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) > 5
    assert first < total / 2


def test_a_tool_call_is_held_back_and_arrives_validated(oai, sse_emulator):
    script(
        sse_emulator,
        'Checking.\n{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]}',
    )
    chunks = list(
        oai.chat.completions.create(model="orch-agent", messages=USER, tools=[WEATHER], stream=True)
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    calls = [t for c in chunks if c.choices for t in c.choices[0].delta.tool_calls or []]
    assert text == "Checking.\n"
    assert [c.function.name for c in calls] == ["get_weather"]
    assert json.loads(calls[0].function.arguments) == {"city": "Seoul"}
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finishes == ["tool_calls"]


def test_a_broken_call_gets_its_repair_call_before_anything_is_sent(oai, sse_emulator):
    script(
        sse_emulator,
        '{"tool_calls": [{"name": "get_weather", "arguments": {}}]}',
        '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Busan"}}]}',
    )
    chunks = list(
        oai.chat.completions.create(model="orch-agent", messages=USER, tools=[WEATHER], stream=True)
    )
    calls = [t for c in chunks if c.choices for t in c.choices[0].delta.tool_calls or []]
    assert json.loads(calls[0].function.arguments) == {"city": "Busan"}
    assert len(sse_emulator.received()) == 2


# --- the anthropic client ----------------------------------------------------------------


def test_anthropic_stream_gets_text_as_it_arrives(sse_proxy, sse_emulator):
    sse_emulator.reset()
    claude = anthropic.Anthropic(
        base_url=sse_proxy.url, api_key=sse_proxy.master_key, max_retries=0
    )
    claude.messages.create(model="orch", max_tokens=1024, messages=USER)  # the bridge warmed up
    long = [{"role": "user", "content": "Stream a long answer. " * 30}]  # ~2.5 s to stream
    started = time.perf_counter()
    first = None
    with claude.messages.stream(model="orch", max_tokens=1024, messages=long) as stream:
        for text in stream.text_stream:
            if first is None and text:
                first = time.perf_counter() - started
        final = stream.get_final_message()
    total = time.perf_counter() - started
    assert final.content[0].text.startswith("[laas-emulator] preset=echo")
    assert first is not None and first < total / 3
    assert final.usage.output_tokens > 0


def test_anthropic_stream_raises_on_a_fault_mid_stream(sse_proxy, sse_emulator):
    sse_emulator.reset()
    sse_emulator.queue_fault(kind="cut", after=5)
    claude = anthropic.Anthropic(
        base_url=sse_proxy.url, api_key=sse_proxy.master_key, max_retries=0
    )
    with (
        pytest.raises(anthropic.APIError),
        claude.messages.stream(model="orch", max_tokens=1024, messages=USER) as stream,
    ):
        for _ in stream.text_stream:
            pass
