"""Issue 4 through the real proxy: streaming, the parameter table, preset variables, the
administrator's settings, and every answer variant the emulator can send."""

from __future__ import annotations

import time

import openai
import pytest

from laas_provider.emulator import preset_hash

from .conftest import PRICES, laas_model
from .harness import Proxy, provider_map

USER = [{"role": "user", "content": "Stream me a sentence, please."}]


def stream_text(chunks) -> tuple[str, list]:
    chunks = list(chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return text, chunks


# --- streaming -----------------------------------------------------------------------------


def test_streamed_text_equals_non_streamed_text(client):
    plain = client.chat.completions.create(model="laas-chat", messages=USER)
    text, chunks = stream_text(
        client.chat.completions.create(model="laas-chat", messages=USER, stream=True)
    )
    assert text == plain.choices[0].message.content
    assert len({c.id for c in chunks}) == 1  # one id for the whole stream
    assert chunks[0].choices[0].delta.role == "assistant"


def test_stream_ends_with_finish_reason_and_usage_with_cost(client):
    _, chunks = stream_text(
        client.chat.completions.create(
            model="laas-chat", messages=USER, stream=True, stream_options={"include_usage": True}
        )
    )
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finishes == ["stop"]
    usage = chunks[-1].usage
    assert usage is not None and usage.prompt_tokens > 0 and usage.completion_tokens > 0
    expected = (
        usage.prompt_tokens * PRICES["input_cost_per_token"]
        + usage.completion_tokens * PRICES["output_cost_per_token"]
    )
    assert usage.model_extra["cost"] == pytest.approx(expected)


def test_stream_without_include_usage_is_still_costed_by_the_proxy(client, proxy):
    before = len(proxy.costs())
    _, chunks = stream_text(
        client.chat.completions.create(model="laas-chat", messages=USER, stream=True)
    )
    assert all(c.usage is None for c in chunks)  # OpenAI semantics: not asked, not sent
    plain = client.chat.completions.create(model="laas-chat", messages=USER)
    expected = (
        plain.usage.prompt_tokens * PRICES["input_cost_per_token"]
        + plain.usage.completion_tokens * PRICES["output_cost_per_token"]
    )
    deadline = time.monotonic() + 10
    while len(proxy.costs()) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # success callbacks run after the response
    streamed = [c for c in proxy.costs()[before:] if c["stream"]]
    assert streamed and streamed[0]["cost"] == pytest.approx(expected)


async def test_async_stream_equals_async_plain(aclient):
    plain = await aclient.chat.completions.create(model="laas-chat", messages=USER)
    stream = await aclient.chat.completions.create(model="laas-chat", messages=USER, stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == plain.choices[0].message.content


def test_upstream_failure_on_a_stream_is_a_real_http_error(client, emulator):
    emulator.queue_fault(status=503, body={"message": "down for maintenance"})
    with pytest.raises(openai.APIStatusError) as caught:
        list(client.chat.completions.create(model="laas-chat", messages=USER, stream=True))
    assert caught.value.status_code == 503
    assert "down for maintenance" in str(caught.value)


def test_long_answer_streams_in_several_chunks_equal_to_the_whole(client):
    long_question = "word " * 2000
    messages = [{"role": "user", "content": long_question}]
    plain = client.chat.completions.create(model="laas-chat", messages=messages)
    text, chunks = stream_text(
        client.chat.completions.create(model="laas-chat", messages=messages, stream=True)
    )
    assert text == plain.choices[0].message.content
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) >= 2


# --- parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "sent"),
    [
        ({"temperature": 0.3}, {"temperature": 0.3}),
        ({"top_p": 0.9}, {"top_p": 0.9}),
        ({"frequency_penalty": 0.5}, {"frequency_penalty": 0.5}),
        ({"presence_penalty": -0.5}, {"presence_penalty": -0.5}),
        ({"max_tokens": 300}, {"max_tokens": 300}),
        ({"max_completion_tokens": 200}, {"max_tokens": 200}),
        ({"stop": ["END"]}, {"stop": ["END"]}),
        ({"stop": "END"}, {"stop": ["END"]}),
        (
            {"response_format": {"type": "json_object"}},
            {"response_format": {"type": "json_object"}},
        ),
        ({"response_format": {"type": "text"}}, {"response_format": {"type": "text"}}),
    ],
)
def test_forwarded_parameter_reaches_laas(client, emulator, kwargs, sent):
    client.chat.completions.create(model="laas-chat", messages=USER, **kwargs)
    (body,) = emulator.received()
    assert {k: body[k] for k in sent} == sent


@pytest.mark.parametrize(
    "kwargs",
    [
        {"user": "alice"},
        {"metadata": {"team": "a"}},
        {"n": 1},
        {"store": False},
        {"parallel_tool_calls": False},
        {"modalities": ["text"]},
    ],
)
def test_ignored_parameter_is_not_sent(client, emulator, kwargs):
    client.chat.completions.create(model="laas-chat", messages=USER, **kwargs)
    (body,) = emulator.received()
    assert set(body) == {"hash", "params", "messages"}


TOOLS = [
    {
        "type": "function",
        "function": {"name": "f", "parameters": {"type": "object", "properties": {}}},
    }
]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"tools": TOOLS}, "tools"),
        ({"tools": TOOLS, "tool_choice": "auto"}, "tool"),
        ({"n": 2}, "n"),
        ({"logprobs": True}, "logprobs"),
        ({"web_search_options": {}}, "web_search_options"),
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": {"type": 5}},
                }
            },
            "response_format",
        ),
        (
            {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}},
            "modalities",
        ),
        ({"extra_body": {"unknown_knob": 1}}, "unknown_knob"),
    ],
)
def test_refused_parameter_is_a_400_naming_it(client, emulator, kwargs, named):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="laas-chat", messages=USER, **kwargs)
    assert named in str(caught.value)
    assert emulator.received() == []


def test_tool_history_is_sent_as_text_on_any_model(client, emulator):
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]  # fmt: skip
    reply = client.chat.completions.create(model="laas-chat", messages=messages)
    assert reply.choices[0].finish_reason == "stop"
    (sent,) = emulator.received()
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert sent["messages"][1]["content"][0]["text"] == (
        '{"tool_calls":[{"id":"c1","name":"f","arguments":{}}]}'
    )
    assert sent["messages"][2]["content"][0]["text"] == "Tool result (f, call c1):\nsunny"


def test_drop_params_per_request_drops_instead_of_refusing(client, emulator):
    reply = client.chat.completions.create(
        model="laas-chat",
        messages=USER,
        seed=7,
        logprobs=True,
        temperature=0.1,
        extra_body={"drop_params": True},
    )
    assert reply.choices[0].message.content
    (body,) = emulator.received()
    assert "seed" not in body and "logprobs" not in body and body["temperature"] == 0.1


@pytest.fixture(scope="module")
def drop_params_proxy(emulator, log_dir):
    config = {
        "model_list": [laas_model("laas-chat")],
        "litellm_settings": {**provider_map(), "drop_params": True},
        "router_settings": {"num_retries": 0},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }
    with Proxy(config, emulator.laas_env("echo"), log_dir, name="proxy-drop-params") as server:
        yield server


def test_global_drop_params_drops_instead_of_refusing(drop_params_proxy, emulator):
    client = openai.OpenAI(
        base_url=f"{drop_params_proxy.url}/v1", api_key=drop_params_proxy.master_key, max_retries=0
    )
    reply = client.chat.completions.create(model="laas-chat", messages=USER, seed=7, top_p=0.5)
    assert reply.choices[0].message.content
    (body,) = emulator.received()
    assert "seed" not in body and body["top_p"] == 0.5


# --- preset variables and the administrator's settings -------------------------------------


def test_request_params_merge_over_deployment_preset_params(client):
    reply = client.chat.completions.create(
        model="laas-defaults", messages=USER, extra_body={"params": {"tone": "casual"}}
    )
    assert "into Korean. Tone: casual." in reply.choices[0].message.content


def test_deployment_preset_params_alone(client):
    reply = client.chat.completions.create(model="laas-defaults", messages=USER)
    assert "into Korean. Tone: formal." in reply.choices[0].message.content


def test_params_numbers_and_booleans_become_strings(client, emulator):
    client.chat.completions.create(
        model="laas-chat", messages=USER, extra_body={"params": {"n": 3, "ok": True, "r": 1.5}}
    )
    (body,) = emulator.received()
    assert body["params"] == {"n": "3", "ok": "true", "r": "1.5"}


def test_params_with_a_nested_value_is_refused_naming_the_key(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="laas-chat", messages=USER, extra_body={"params": {"topic": {"a": 1}}}
        )
    assert "params.topic" in str(caught.value)
    assert emulator.received() == []


@pytest.mark.parametrize(
    "extra",
    [
        {"preset_hash": preset_hash("qa")},
        {"project_code": "OTHER_TEAM"},
        {"laas_timeout": 1},
        {"preset_params": {"language": "x"}},
        {"allow_client_preset": True, "preset_hash": preset_hash("qa")},
    ],
)
def test_client_cannot_change_the_administrators_settings(client, emulator, extra):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="laas-defaults", messages=USER, extra_body=extra)
    assert "administrator" in str(caught.value)
    assert preset_hash("qa") not in str(caught.value)
    assert emulator.received() == []


def test_nested_extra_body_cannot_switch_the_preset_either(proxy, emulator):
    import httpx

    response = httpx.post(
        f"{proxy.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        json={
            "model": "laas-chat",
            "messages": USER,
            "extra_body": {"preset_hash": preset_hash("qa")},
        },
        timeout=30,
    )
    assert response.status_code == 400, response.text
    assert emulator.received() == []


def test_deployment_that_opts_in_lets_the_client_choose_the_preset(client):
    reply = client.chat.completions.create(
        model="laas-open",
        messages=USER,
        extra_body={"preset_hash": preset_hash("qa"), "params": {"question": "Q?"}},
    )
    assert "preset=qa" in reply.choices[0].message.content


# --- answer variants -----------------------------------------------------------------------


def variant(client, name: str, **kwargs):
    return client.chat.completions.create(
        model="laas-chat",
        messages=USER,
        extra_body={"params": {"emulator_variant": name}},
        **kwargs,
    )


def test_content_as_list_is_joined(client):
    plain = client.chat.completions.create(
        model="laas-chat", messages=USER, extra_body={"params": {"emulator_variant": ""}}
    )
    listed = variant(client, "content_list")
    assert listed.choices[0].message.content == plain.choices[0].message.content.replace(
        'emulator_variant": ""', 'emulator_variant": "content_list"'
    )


def test_millisecond_created_becomes_seconds(client):
    reply = variant(client, "created_ms")
    assert abs(reply.created - time.time()) < 600


def test_missing_usage_is_estimated_and_marked(client):
    reply = variant(client, "no_usage")
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert (
        reply.choices[0].message.model_extra["provider_specific_fields"]["usage_estimated"] is True
    )


def test_missing_usage_still_gives_a_cost(client):
    raw = client.chat.completions.with_raw_response.create(
        model="laas-chat", messages=USER, extra_body={"params": {"emulator_variant": "no_usage"}}
    )
    assert float(raw.headers["x-litellm-response-cost"]) > 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("end_turn", "stop"), ("max_tokens", "length"), ("", "stop"), ("banana", "stop")],
)
def test_odd_finish_reason_maps_to_openai(client, raw, expected):
    assert variant(client, f"finish_reason={raw}").choices[0].finish_reason == expected


def test_extra_keys_and_chunk_object_are_tolerated(client):
    reply = variant(client, "extra_keys")
    assert reply.object == "chat.completion"
    assert reply.choices[0].message.content.startswith("[laas-emulator]")


def test_max_tokens_truncation_gives_length(client):
    reply = client.chat.completions.create(model="laas-chat", messages=USER, max_tokens=5)
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 5
    streamed = list(
        client.chat.completions.create(model="laas-chat", messages=USER, max_tokens=5, stream=True)
    )
    assert [
        c.choices[0].finish_reason for c in streamed if c.choices and c.choices[0].finish_reason
    ] == ["length"]
