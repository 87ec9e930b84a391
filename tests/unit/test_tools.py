"""Tool calling and structured outputs over JSON mode (pure): plan, instruction, history,
answer parsing and validation."""

from __future__ import annotations

import json

import pytest

from laas_provider.errors import InputError
from laas_provider.transform import build_body, to_laas_messages
from laas_provider.transform.tools import Plan, find_json, instruction, plan, read_answer
from tests.tool_answers import WEATHER

TIME = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
TOOLS = [WEATHER, TIME]


def make(**params) -> Plan:
    return plan({"tools": TOOLS, **params}, emulation=True)


def text_of(message: dict) -> str:
    return "".join(p["text"] for p in message["content"])


# --- the request ---------------------------------------------------------------------------


def test_auto_instruction_lists_each_tool_and_allows_a_plain_answer():
    text = instruction(make())
    assert text.startswith("You can call tools.")
    lines = text.splitlines()
    listed = [json.loads(line) for line in lines if line.startswith('{"name":')]
    assert [t["name"] for t in listed] == ["get_weather", "get_time"]
    assert listed[0]["description"] == "Current weather for a city"
    assert listed[0]["parameters"] == WEATHER["function"]["parameters"]
    assert "To answer without a tool, write your answer as plain text." in text
    assert "must call" not in text


def test_required_instruction_demands_a_call():
    text = instruction(make(tool_choice="required"))
    assert "You must call at least one tool" in text
    assert "plain text" not in text


def test_named_instruction_demands_that_tool():
    text = instruction(make(tool_choice={"type": "function", "function": {"name": "get_time"}}))
    assert 'You must call the tool "get_time"' in text


def test_none_gives_no_instruction():
    assert instruction(make(tool_choice="none")) is None


def test_parallel_false_allows_one_call():
    assert "at most one tool" in instruction(make(parallel_tool_calls=False))
    assert "several tools at once" in instruction(make())


def test_instruction_goes_after_the_clients_system_messages():
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": "Use metric units."},
        {"role": "user", "content": "Weather in Seoul?"},
    ]
    body = build_body("h" * 64, messages, {"tools": TOOLS}, agent=make())
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "system", "system", "user"]
    assert text_of(body["messages"][2]).startswith("You can call tools.")
    assert "tools" not in body and "tool_choice" not in body
    assert "response_format" not in body  # see docs/tools.md: JSON mode is asked in words


def test_instruction_leads_when_the_client_sends_no_system_message():
    body = build_body("h" * 64, [{"role": "user", "content": "hi"}], {}, agent=make())
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


@pytest.mark.parametrize(
    ("params", "emulation", "place", "words"),
    [
        ({"tools": TOOLS}, False, "tools", "tool_emulation: true"),
        ({"tools": [{"type": "code_interpreter"}]}, True, "tools[0].type", "only function tools"),
        ({"tools": [{"type": "function", "function": {"name": "x", "parameters": {"type": "array"}}}]}, True, "tools[0].function.parameters", "type object"),
        ({"tools": [{"type": "function", "function": {"name": "x", "parameters": {"type": "object", "properties": 5}}}]}, True, "tools[0].function.parameters", "not a valid JSON schema"),
        ({"tools": [{"type": "function", "function": {"name": "x", "parameters": "{}"}}]}, True, "tools[0].function.parameters", "JSON schema object"),
        ({"tools": [{"type": "function", "function": {"name": "bad name!"}}]}, True, "tools[0].function.name", "letters"),
        ({"tools": [WEATHER, WEATHER]}, True, "tools[1].function.name", "duplicate"),
        ({"tools": "x"}, True, "tools", "list"),
        ({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}}, True, "tool_choice", "not among the tools"),
        ({"tools": TOOLS, "tool_choice": "sometimes"}, True, "tool_choice", "must be"),
        ({"tool_choice": "required"}, True, "tool_choice", "needs `tools`"),
        ({"tools": TOOLS, "parallel_tool_calls": "no"}, True, "parallel_tool_calls", "true or false"),
        ({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "nope"}}}}, False, "response_format.json_schema.schema", "not a valid JSON schema"),
        ({"response_format": {"type": "json_schema"}}, False, "response_format.json_schema", "name and schema"),
    ],
)  # fmt: skip
def test_bad_tool_requests_are_refused_naming_the_field(params, emulation, place, words):
    with pytest.raises(InputError) as caught:
        plan(params, emulation)
    assert caught.value.place == place
    assert words in str(caught.value)


def test_structured_output_needs_no_switch_and_states_the_schema():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    p = plan({"response_format": {"type": "json_schema", "json_schema": {"name": "Count", "schema": schema}}}, False)  # fmt: skip
    text = instruction(p)
    assert "JSON schema (Count):" in text
    assert json.loads(text.splitlines()[-1]) == schema
    assert "Tools you can call" not in text


def test_anthropic_style_tool_choice_values_are_understood():
    assert make(tool_choice="any").choice == "required"
    assert make(tool_choice={"type": "tool", "name": "get_time"}).choice == "get_time"


# --- the conversation's tool history -------------------------------------------------------


def test_tool_history_translates_in_order_even_without_tools_offered():
    messages = [
        {"role": "user", "content": "Weather in Seoul?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Seoul"}'}},
                {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21 C"},
        {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "09:00"}]},
        {"role": "user", "content": "Thanks"},
    ]  # fmt: skip
    out = to_laas_messages(messages)
    assert [m["role"] for m in out] == ["user", "assistant", "user", "user", "user"]
    assert json.loads(text_of(out[1])) == {
        "tool_calls": [
            {"id": "call_1", "name": "get_weather", "arguments": {"city": "Seoul"}},
            {"id": "call_2", "name": "get_time", "arguments": {}},
        ]
    }
    assert text_of(out[2]) == "Tool result (get_weather, call call_1):\nSunny, 21 C"
    assert text_of(out[3]) == "Tool result (get_time, call call_2):\n09:00"


def test_assistant_text_beside_its_calls_is_kept():
    (out,) = to_laas_messages(
        [
            {
                "role": "assistant",
                "content": "Let me look.",
                "tool_calls": [{"id": "c", "function": {"name": "get_time", "arguments": "{}"}}],
            }
        ]
    )
    assert json.loads(text_of(out))["content"] == "Let me look."


def test_legacy_function_messages_translate_too():
    out = to_laas_messages(
        [
            {"role": "assistant", "content": None, "function_call": {"name": "get_time", "arguments": "{}"}},
            {"role": "function", "name": "get_time", "content": "09:00"},
        ]
    )  # fmt: skip
    assert json.loads(text_of(out[0])) == {"tool_calls": [{"name": "get_time", "arguments": {}}]}
    assert text_of(out[1]) == "Tool result (get_time):\n09:00"


# --- the answer ----------------------------------------------------------------------------


def call_names(reading) -> list[str]:
    return [c["function"]["name"] for c in reading.tool_calls]


@pytest.mark.parametrize(
    "text",
    [
        '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]}',
        '```json\n{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]}\n```',
        'Sure, I will check.\n{"tool_call": {"tool_name": "get_weather", "parameters": {"city": "Seoul"}}} Done.',
        '{"tool_call": {"function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Seoul\\"}"}}}',
        '{"tool_calls": [{"name": "get_weather", "args": {"city": "Seoul"}}]}',
        '{"tool_calls": [{"name": "get_weather", "arguments": "{\\"city\\":\\"Seoul\\"}"}]}',
        'I think {this is not json} but {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]}',
    ],
)  # fmt: skip
def test_every_accepted_call_shape_reads_as_one_openai_call(text):
    reading = read_answer(text, None, make())
    assert reading.problems == []
    assert reading.finish_reason == "tool_calls"
    (call,) = reading.tool_calls
    assert call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Seoul"}
    assert isinstance(call["function"]["arguments"], str)
    assert call["id"].startswith("call_") and len(call["id"]) > 10


def test_several_calls_keep_their_order_and_given_ids():
    text = json.dumps(
        {
            "tool_calls": [
                {"id": "abc", "name": "get_time", "arguments": {}},
                {"name": "get_weather", "arguments": {"city": "Busan", "days": 2}},
            ]
        }
    )
    reading = read_answer(text, None, make())
    assert call_names(reading) == ["get_time", "get_weather"]
    assert reading.tool_calls[0]["id"] == "abc"
    assert reading.tool_calls[1]["id"] != reading.tool_calls[0]["id"]


def test_native_tool_calls_pass_through_even_without_emulation():
    native = [
        {"id": "n1", "type": "function", "function": {"name": "lookup", "arguments": {"q": 1}}}
    ]
    reading = read_answer("", native, Plan())
    assert reading.problems == []
    assert reading.tool_calls == [
        {"id": "n1", "type": "function", "function": {"name": "lookup", "arguments": '{"q":1}'}}
    ]


def test_native_tool_calls_are_validated_when_tools_were_offered():
    native = [{"id": "n1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]
    reading = read_answer("", native, make())
    assert reading.problems and "unknown tool 'lookup'" in reading.problems[0]


def test_content_object_means_that_text():
    reading = read_answer('{"content": "It is sunny."}', None, make())
    assert (reading.content, reading.tool_calls, reading.problems) == ("It is sunny.", [], [])
    assert reading.finish_reason is None


def test_plain_text_is_plain_content_under_auto():
    reading = read_answer("It is sunny, no tools needed.", None, make())
    assert reading.content == "It is sunny, no tools needed."
    assert reading.problems == []


def test_other_json_is_plain_content():
    reading = read_answer('{"answer": 42}', None, make())
    assert reading.content == '{"answer": 42}'
    assert reading.problems == []


@pytest.mark.parametrize(
    ("text", "params", "words"),
    [
        ('{"tool_calls": [{"name": "get_news", "arguments": {}}]}', {}, "unknown tool 'get_news'"),
        ('{"tool_calls": [{"name": "get_weather", "arguments": {"days": 2}}]}', {}, "'city' is a required property"),
        ('{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul", "days": 0}}]}', {}, "days: 0 is less than the minimum of 1"),
        ('{"tool_calls": [{"name": "get_weather", "arguments": "{not json"}]}', {}, "not valid JSON"),
        ('{"tool_calls": [{"arguments": {}}]}', {}, "no tool name"),
        ("No.", {"tool_choice": "required"}, "at least one tool call"),
        ('{"content": "No."}', {"tool_choice": {"type": "function", "function": {"name": "get_time"}}}, 'call of the tool "get_time"'),
        ('{"tool_calls": [{"name": "get_weather", "arguments": {"city": "x"}}]}', {"tool_choice": {"type": "function", "function": {"name": "get_time"}}}, 'call of the tool "get_time"'),
        ('{"tool_calls": [{"name": "get_time"}, {"name": "get_time"}]}', {"parallel_tool_calls": False}, "one call allowed, 2 made"),
    ],
)  # fmt: skip
def test_violations_are_reported(text, params, words):
    reading = read_answer(text, None, make(**params))
    assert any(words in p for p in reading.problems), reading.problems


def test_tool_choice_none_reads_json_as_text():
    text = '{"tool_calls": [{"name": "get_time", "arguments": {}}]}'
    reading = read_answer(text, None, make(tool_choice="none"))
    assert reading.tool_calls == [] and reading.content == text


# --- structured outputs --------------------------------------------------------------------

PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


def structured() -> Plan:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "Person", "schema": PERSON, "strict": True},
    }
    return plan({"response_format": fmt}, emulation=False)


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "Ana", "age": 31}',
        'Here it is:\n```json\n{"name": "Ana", "age": 31}\n```',
        'The person is {"name": "Ana", "age": 31}, as asked.',
    ],
)
def test_structured_answer_is_exactly_the_json(text):
    reading = read_answer(text, None, structured())
    assert reading.problems == []
    assert reading.content == '{"name": "Ana", "age": 31}'


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Ana, 31 years old", "not JSON"),
        ('{"name": "Ana"}', "'age' is a required property"),
        ('{"name": "Ana", "age": "31"}', "is not of type 'integer'"),
        ('{"name": "Ana", "age": 31, "x": 1}', "Additional properties"),
    ],
)
def test_structured_answer_that_breaks_the_schema_is_reported(text, words):
    reading = read_answer(text, None, structured())
    assert any(words in p for p in reading.problems), reading.problems


def test_find_json_takes_the_first_balanced_object_that_parses():
    value, exact = find_json('a {broken} then {"a": {"b": 1}} and {"c": 2}')
    assert value == {"a": {"b": 1}} and exact == '{"a": {"b": 1}}'
    assert find_json("no json here") is None


def test_tools_and_a_schema_together_take_either_a_call_or_valid_json():
    fmt = {"type": "json_schema", "json_schema": {"name": "Person", "schema": PERSON}}
    both = plan({"tools": TOOLS, "response_format": fmt}, emulation=True)
    text = instruction(both)
    assert "You can call tools" in text and "JSON schema (Person)" in text
    assert "plain text" not in text
    called = read_answer('{"tool_calls": [{"name": "get_time", "arguments": {}}]}', None, both)
    assert call_names(called) == ["get_time"] and called.problems == []
    answered = read_answer('{"name": "Ana", "age": 31}', None, both)
    assert answered.content == '{"name": "Ana", "age": 31}' and answered.problems == []
    assert read_answer('{"name": "Ana"}', None, both).problems


# --- what the model is shown of a tool's schema --------------------------------------------


def test_tool_schema_is_shown_without_noise_but_validated_in_full():
    noisy = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "WriteArgs",
        "type": "object",
        "properties": {
            "title": {"type": "string", "title": "Title", "description": "the page title"},
            "tags": {"type": "array", "items": {"type": "string", "title": "Tag"}},
            "meta": {"type": "object", "propertyNames": {"type": "string"},
                     "additionalProperties": {}},
            "mode": {"anyOf": [{"type": "string", "title": "M"}, {"type": "null"}]},
        },
        "required": ["title"],
        "additionalProperties": False,
    }  # fmt: skip
    tool = {"type": "function", "function": {"name": "write", "parameters": noisy}}
    p = plan({"tools": [tool]}, emulation=True)
    (line,) = [x for x in instruction(p).splitlines() if x.startswith('{"name":')]
    assert json.loads(line)["parameters"] == {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "the page title"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "meta": {"type": "object"},
            "mode": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["title"],
    }
    # Validation still holds the full schema: an extra property is a problem.
    answer = '{"tool_calls": [{"name": "write", "arguments": {"title": "x", "extra": 1}}]}'
    assert read_answer(answer, None, p).problems
