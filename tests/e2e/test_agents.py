"""Issue 10 through the real proxy and emulator: tool loops and structured outputs with the
clients agents use (openai, anthropic, the Responses API, the OpenAI Agents SDK)."""

from __future__ import annotations

import json

import anthropic
import httpx
import openai
import pytest
from pydantic import BaseModel

from ..tool_answers import WEATHER

QUESTION = {"role": "user", "content": "What is the weather in Seoul?"}
RESULT = "Sunny, 21 C"
GOOD = '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]}'


def script(emulator, preset: str, *answers) -> None:
    httpx.post(
        f"{emulator.url}/_emulator/script", json={"preset": preset, "answers": list(answers)}
    ).raise_for_status()


def tool_loop(client: openai.OpenAI, stream: bool) -> tuple[object, str]:
    """Two steps: the model calls the tool, we answer it, the model answers in text."""
    messages: list = [QUESTION]
    first = client.chat.completions.create(
        model="laas-agent", messages=messages, tools=[WEATHER], stream=stream
    )
    if stream:
        calls: dict[int, dict] = {}
        finish = None
        for chunk in first:
            if not chunk.choices:
                continue
            for d in chunk.choices[0].delta.tool_calls or []:
                entry = calls.setdefault(d.index, {"id": "", "name": "", "arguments": ""})
                entry["id"] += d.id or ""
                entry["name"] += d.function.name or ""
                entry["arguments"] += d.function.arguments or ""
            finish = chunk.choices[0].finish_reason or finish
        (call,) = calls.values()
    else:
        finish = first.choices[0].finish_reason
        tc = first.choices[0].message.tool_calls[0]
        call = {"id": tc.id, "name": tc.function.name, "arguments": tc.function.arguments}
    assert finish == "tool_calls"
    assert call["name"] == "get_weather"
    assert json.loads(call["arguments"]) == {"city": "Seoul"}  # valid for the schema
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["name"], "arguments": call["arguments"]},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call["id"], "content": RESULT},
    ]
    second = client.chat.completions.create(
        model="laas-agent", messages=messages, tools=[WEATHER], stream=stream
    )
    if stream:
        text = "".join(c.choices[0].delta.content or "" for c in second if c.choices)
    else:
        assert second.choices[0].finish_reason == "stop"
        text = second.choices[0].message.content
    return call, text


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_openai_client_runs_a_two_step_tool_loop(client, emulator, stream):
    call, text = tool_loop(client, stream)
    assert RESULT in text
    # What LaaS received on the second step: the call as assistant JSON, the result as user.
    last = emulator.received()[-1]["messages"]
    assert [m["role"] for m in last] == ["system", "user", "assistant", "user"]
    assert json.loads(last[2]["content"][0]["text"])["tool_calls"][0]["id"] == call["id"]
    assert last[3]["content"][0]["text"].startswith(f"Tool result (get_weather, call {call['id']})")
    assert "tools" not in emulator.received()[-1]


class Person(BaseModel):
    name: str
    age: int
    languages: list[str]


def test_chat_completions_parse_with_a_pydantic_model(client):
    reply = client.chat.completions.parse(
        model="laas-agent",
        messages=[{"role": "user", "content": "Invent a person."}],
        response_format=Person,
    )
    person = reply.choices[0].message.parsed
    assert isinstance(person, Person)
    assert person.age >= 1 and person.languages


def test_a_malformed_answer_is_repaired_with_one_more_call(client, emulator):
    script(emulator, "agent", '{"tool_calls": [{"name": "get_weather", "arguments": {}}]}', GOOD)
    reply = client.chat.completions.create(model="laas-agent", messages=[QUESTION], tools=[WEATHER])
    assert reply.choices[0].message.tool_calls[0].function.name == "get_weather"
    received = emulator.received()
    assert len(received) == 2
    assert "'city' is a required property" in received[1]["messages"][-1]["content"][0]["text"]


def test_a_still_malformed_answer_is_a_5xx_and_falls_back(client, emulator):
    # laas-agent-echo's preset ignores the protocol; the proxy falls back to laas-agent.
    raw = client.chat.completions.with_raw_response.create(
        model="laas-agent-echo", messages=[QUESTION], tools=[WEATHER], tool_choice="required"
    )
    reply = raw.parse()
    assert reply.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert raw.headers.get("x-litellm-attempted-fallbacks") == "1"
    assert len(emulator.received()) == 3  # echo: call + repair; agent: one call


def test_without_a_fallback_a_still_malformed_answer_is_a_502(proxy, emulator):
    script(emulator, "agent", "nope", "still nope")
    c = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=proxy.master_key, max_retries=0)
    with pytest.raises(openai.APIStatusError) as caught:
        c.chat.completions.create(
            model="laas-agent", messages=[QUESTION], tools=[WEATHER], tool_choice="required"
        )
    assert caught.value.status_code == 502
    assert "after one repair call" in str(caught.value)
    assert len(emulator.received()) == 2


def test_tools_on_a_model_without_tool_emulation_are_a_400_naming_it(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="laas-chat", messages=[QUESTION], tools=[WEATHER])
    assert "tool_emulation" in str(caught.value)
    assert emulator.received() == []


def test_a_client_may_not_set_tool_emulation(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="laas-chat",
            messages=[QUESTION],
            tools=[WEATHER],
            extra_body={"tool_emulation": True},
        )
    assert "tool_emulation" in str(caught.value)
    assert "administrator" in str(caught.value)
    assert emulator.received() == []


# --- Anthropic Messages (/v1/messages) ----------------------------------------------------

ANTHROPIC_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": WEATHER["function"]["parameters"],
}


@pytest.fixture
def claude(proxy) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy.url, api_key=proxy.master_key, max_retries=0)


def test_anthropic_sdk_tool_use_then_tool_result_then_answer(claude, emulator):
    messages: list = [{"role": "user", "content": "What is the weather in Seoul?"}]
    first = claude.messages.create(
        model="laas-agent", max_tokens=300, messages=messages, tools=[ANTHROPIC_TOOL],
        tool_choice={"type": "any"},
    )  # fmt: skip
    assert first.stop_reason == "tool_use"
    (use,) = [b for b in first.content if b.type == "tool_use"]
    assert use.name == "get_weather" and use.input == {"city": "Seoul"}
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": RESULT}]},
    ]  # fmt: skip
    second = claude.messages.create(
        model="laas-agent", max_tokens=300, messages=messages, tools=[ANTHROPIC_TOOL]
    )
    assert second.stop_reason == "end_turn"
    assert RESULT in "".join(b.text for b in second.content if b.type == "text")
    sent = emulator.received()[-1]["messages"]
    assert any(m["content"][0]["text"].startswith("Tool result (get_weather") for m in sent)


def test_anthropic_sdk_streams_a_tool_use_block(claude):
    with claude.messages.stream(
        model="laas-agent",
        max_tokens=300,
        messages=[{"role": "user", "content": "What is the weather in Seoul?"}],
        tools=[ANTHROPIC_TOOL],
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    (use,) = [b for b in final.content if b.type == "tool_use"]
    assert use.name == "get_weather" and use.input == {"city": "Seoul"}


# --- OpenAI Responses (/v1/responses) -------------------------------------------------------

RESPONSES_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": WEATHER["function"]["parameters"],
}


def test_responses_api_function_call_then_output_then_answer(client):
    first = client.responses.create(
        model="laas-agent", input="What is the weather in Seoul?", tools=[RESPONSES_TOOL]
    )
    (call,) = [item for item in first.output if item.type == "function_call"]
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Seoul"}
    second = client.responses.create(
        model="laas-agent",
        tools=[RESPONSES_TOOL],
        input=[
            {"role": "user", "content": "What is the weather in Seoul?"},
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": RESULT},
        ],
    )
    assert RESULT in second.output_text


# --- an agent framework ------------------------------------------------------------------


def test_openai_agents_sdk_runs_a_tool_using_agent_to_its_final_output(proxy):
    agents = pytest.importorskip("agents")
    agents.set_tracing_disabled(True)
    seen: list[str] = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        seen.append(city)
        return f"{RESULT} in {city}"

    model = agents.OpenAIChatCompletionsModel(
        model="laas-agent",
        openai_client=openai.AsyncOpenAI(
            base_url=f"{proxy.url}/v1", api_key=proxy.master_key, max_retries=0
        ),
    )
    agent = agents.Agent(name="weather", instructions="Answer briefly.", model=model,
                         tools=[get_weather])  # fmt: skip
    result = agents.Runner.run_sync(agent, "What is the weather in Seoul?")
    assert seen == ["Seoul"]
    assert RESULT in result.final_output


def test_built_in_web_search_is_a_400_naming_it(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="laas-agent", input="hi", tools=[{"type": "web_search"}])
    assert "web_search" in str(caught.value)
    assert emulator.received() == []
