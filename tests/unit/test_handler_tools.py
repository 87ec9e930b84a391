"""Tool emulation in the handler, LaaS mocked at the transport (respx): the one repair call,
usage over both calls, the 5xx after a failed repair, refusals before any call, streaming."""

from __future__ import annotations

import json

import httpx
import litellm
import pytest

from tests.tool_answers import WEATHER

from .test_handler_http import CHAT, call

pytestmark = pytest.mark.usefixtures("laas_registered")

TOOLS = [WEATHER]
GOOD = '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]}'
BAD = '{"tool_calls": [{"name": "get_weather", "arguments": {"town": "Seoul"}}]}'


def answer(text: str, prompt: int = 10, completion: int = 5) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "a1",
            "choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        },
    )  # fmt: skip


def tool_call(**kwargs):
    return call(tools=TOOLS, tool_emulation=True, **kwargs)


async def test_a_valid_call_costs_one_upstream_call(laas_api):
    route = laas_api.post(CHAT).mock(return_value=answer(GOOD))
    reply = await litellm.acompletion(**tool_call())
    assert route.call_count == 1
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    (tc,) = choice.message.tool_calls
    assert tc.function.name == "get_weather"
    assert json.loads(tc.function.arguments) == {"city": "Seoul"}
    assert tc.id.startswith("call_")
    body = json.loads(route.calls.last.request.content)
    assert "tools" not in body and "tool_emulation" not in body
    assert body["messages"][0]["role"] == "system"
    assert "get_weather" in body["messages"][0]["content"][0]["text"]


async def test_a_broken_call_is_repaired_once_and_usage_covers_both_calls(laas_api):
    route = laas_api.post(CHAT).mock(side_effect=[answer(BAD, 10, 5), answer(GOOD, 30, 7)])
    reply = await litellm.acompletion(**tool_call())
    assert route.call_count == 2
    assert reply.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (40, 12)
    repair = json.loads(route.calls.last.request.content)["messages"]
    assert repair[-2] == {"role": "assistant", "content": [{"type": "text", "text": BAD}]}
    assert repair[-1]["role"] == "user"
    assert "'city' is a required property" in repair[-1]["content"][0]["text"]


async def test_a_call_still_broken_after_the_repair_is_a_5xx_after_exactly_two_calls(laas_api):
    route = laas_api.post(CHAT).mock(side_effect=[answer(BAD), answer(BAD), answer(GOOD)])
    with pytest.raises(litellm.BadGatewayError) as caught:
        await litellm.acompletion(**tool_call())
    assert route.call_count == 2
    assert caught.value.status_code == 502
    assert "after one repair call" in str(caught.value)


def test_the_sync_path_repairs_too(laas_api):
    route = laas_api.post(CHAT).mock(side_effect=[answer("no JSON here"), answer(GOOD)])
    reply = litellm.completion(**tool_call(tool_choice="required"))
    assert route.call_count == 2
    assert reply.choices[0].finish_reason == "tool_calls"


async def test_structured_output_is_validated_and_repaired(laas_api):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "Count", "schema": schema}}
    route = laas_api.post(CHAT).mock(
        side_effect=[answer("three"), answer('```json\n{"n": 3}\n```')]
    )
    reply = await litellm.acompletion(**call(response_format=fmt))
    assert route.call_count == 2
    assert reply.choices[0].message.content == '{"n": 3}'
    assert reply.choices[0].finish_reason == "stop"
    body = json.loads(route.calls[0].request.content)
    assert "response_format" not in body


async def test_tools_without_tool_emulation_are_refused_naming_it(laas_api):
    route = laas_api.post(CHAT).mock(return_value=answer(GOOD))
    with pytest.raises(litellm.BadRequestError, match="tool_emulation"):
        await litellm.acompletion(**call(tools=TOOLS))
    assert not route.called


async def test_a_streamed_tool_call_arrives_as_tool_call_deltas(laas_api):
    two = '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}, {"name": "get_weather", "arguments": {"city": "Busan"}}]}'  # fmt: skip
    laas_api.post(CHAT).mock(return_value=answer(two))
    stream = await litellm.acompletion(**tool_call(stream=True))
    calls: dict[int, dict] = {}
    finish = None
    async for chunk in stream:
        choice = chunk.choices[0]
        for delta in choice.delta.tool_calls or []:
            entry = calls.setdefault(delta.index, {"id": None, "name": "", "arguments": ""})
            entry["id"] = entry["id"] or delta.id
            entry["name"] += delta.function.name or ""
            entry["arguments"] += delta.function.arguments or ""
        finish = choice.finish_reason or finish
    assert finish == "tool_calls"
    assert [c["name"] for c in calls.values()] == ["get_weather", "get_weather"]
    assert [json.loads(c["arguments"])["city"] for c in calls.values()] == ["Seoul", "Busan"]
    assert all(c["id"].startswith("call_") for c in calls.values())


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_the_repair_call_of_a_big_request_is_sent_whole(laas_api, sync):
    big = "x" * (2 << 20)  # a body streamed in slices (laas_provider.body)
    route = laas_api.post(CHAT).mock(side_effect=[answer(BAD), answer(GOOD)])
    kwargs = tool_call(messages=[{"role": "user", "content": big}])
    reply = litellm.completion(**kwargs) if sync else await litellm.acompletion(**kwargs)
    assert reply.choices[0].finish_reason == "tool_calls"
    sent = [json.loads(c.request.content) for c in route.calls]
    assert len(sent) == 2
    assert all(s["messages"][1]["content"][0]["text"] == big for s in sent)
    assert sent[1]["messages"][-2]["content"][0]["text"] == BAD


def answer_without_usage(text: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={"id": "a1", "choices": [{"message": {"role": "assistant", "content": text}}]},
    )


def estimated(reply) -> bool:
    fields = reply.choices[0].message.provider_specific_fields or {}
    return fields.get("usage_estimated") is True


async def test_usage_estimated_for_both_calls_of_a_repair_says_so(laas_api):
    laas_api.post(CHAT).mock(side_effect=[answer_without_usage(BAD), answer_without_usage(GOOD)])
    reply = await litellm.acompletion(**tool_call())
    assert reply.usage.prompt_tokens > 0
    assert estimated(reply)


async def test_usage_estimated_for_one_call_of_a_repair_says_so(laas_api):
    laas_api.post(CHAT).mock(side_effect=[answer(BAD, 10, 5), answer_without_usage(GOOD)])
    reply = await litellm.acompletion(**tool_call())
    assert reply.usage.prompt_tokens > 10
    assert estimated(reply)


async def test_usage_given_for_both_calls_of_a_repair_is_not_marked_estimated(laas_api):
    laas_api.post(CHAT).mock(side_effect=[answer(BAD, 10, 5), answer(GOOD, 30, 7)])
    reply = await litellm.acompletion(**tool_call())
    assert not estimated(reply)


async def test_the_502_after_the_repair_tells_the_router_not_to_retry(laas_api):
    laas_api.post(CHAT).mock(side_effect=[answer(BAD), answer(BAD)])
    with pytest.raises(litellm.BadGatewayError) as caught:
        await litellm.acompletion(**tool_call())
    assert caught.value.num_retries == 0  # router_settings.num_retries does not apply


HISTORY = [
    {"role": "user", "content": "Weather?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Seoul"}'}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "Sunny"},
]  # fmt: skip


@pytest.mark.parametrize(
    "params", [{}, {"tools": TOOLS, "tool_choice": "none"}], ids=["no-tools", "none"]
)
async def test_a_closing_turn_after_a_tool_loop_is_unwrapped_or_repaired_to_text(laas_api, params):
    route = laas_api.post(CHAT).mock(
        side_effect=[answer('{"content": "Sunny in Seoul."}'), answer(GOOD), answer("Sunny.")]
    )
    kwargs = call(messages=HISTORY, tool_emulation=True, **params)
    reply = await litellm.acompletion(**kwargs)
    assert reply.choices[0].message.content == "Sunny in Seoul." and route.call_count == 1
    # A call where none may be made: one repair call asking for plain text.
    reply = await litellm.acompletion(**kwargs)
    assert reply.choices[0].message.content == "Sunny." and route.call_count == 3
    repair = json.loads(route.calls.last.request.content)["messages"][-1]["content"][0]["text"]
    assert "no tool may be called" in repair and "plain text" in repair
