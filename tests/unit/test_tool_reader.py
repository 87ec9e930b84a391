"""The answer reader over the corpus of shapes (tests/tool_answers.py), ids, the tool
history, structured answers read leniently, and hostile answers (no recursion, no blow-up)."""

from __future__ import annotations

import json

import pytest

from laas_provider.transform.tools import instruction, plan, read_answer, tool_history
from laas_provider.transform.tools.scan import (
    TAIL_CHARS,
    Decoder,
    python_literal,
    spans,
    tail_spans,
)
from tests.tool_answers import CORPUS, HISTORY, TOOLS, Case, judge, request_params


def read(case: Case):
    history = tool_history(HISTORY) if case.history else None
    return read_answer(case.text, None, plan(request_params(case), True), history)


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_every_answer_shape_reads_as_calls_text_or_a_repair(case):
    reading = read(case)
    assert judge(case, reading.tool_calls, reading.content, reading.problems) is None
    if reading.tool_calls:
        assert reading.finish_reason == "tool_calls"
        assert all(isinstance(c["function"]["arguments"], str) for c in reading.tool_calls)


@pytest.mark.parametrize("case", [c for c in CORPUS if c.text_answer], ids=lambda c: c.id)
def test_a_final_text_answer_is_never_protocol_json(case):
    content = read(case).content
    assert not content.lstrip().startswith(('{"content"', '{"tool_calls"', '{"role"'))


def test_prose_around_calls_is_the_content():
    reading = read(
        Case("x", 'Let me check.\n{"name": "get_weather", "arguments": {"city": "Seoul"}}')
    )
    assert reading.content == "Let me check."
    reading = read(Case("x", '<tool_call>{"name": "get_time", "arguments": {}}</tool_call>'))
    assert reading.content is None
    reading = read(Case("x", "Checking.\n```tool_code\nprint(default_api.get_time())\n```\nDone."))
    assert reading.content == "Checking.\n\nDone." and len(reading.tool_calls) == 1


def test_ids_are_unique_within_an_answer_and_new_to_the_conversation():
    text = json.dumps(
        {
            "tool_calls": [
                {"id": "call_1", "name": "get_time", "arguments": {}},  # used in the history
                {"id": "abc", "name": "get_time", "arguments": {}},
                {"id": "abc", "name": "get_time", "arguments": {}},  # twice in the answer
                {"id": {"not": "a string"}, "name": "get_time", "arguments": {}},
            ]
        }
    )
    reading = read_answer(text, None, plan({"tools": TOOLS}, True), tool_history(HISTORY))
    ids = [c["id"] for c in reading.tool_calls]
    assert len(set(ids)) == 4 and "call_1" not in ids
    assert ids[1] == "abc"  # a usable id the model gave is kept
    assert all(i.startswith("call_") for i in (ids[0], ids[2], ids[3]))


def test_native_calls_get_the_same_id_rules():
    native = [
        {"id": "call_1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    ]
    reading = read_answer("", native, plan({"tools": TOOLS}, True), tool_history(HISTORY))
    assert reading.problems == [] and reading.tool_calls[0]["id"] != "call_1"


def test_history_of_a_legacy_function_turn_counts_as_tool_history():
    history = tool_history([{"role": "function", "name": "get_time", "content": "09:00"}])
    assert history.active and history.ids == frozenset()
    assert not tool_history([{"role": "user", "content": "hi"}]).active


def test_without_tools_or_history_json_is_left_as_the_model_wrote_it():
    text = '{"content": "x"}'
    assert read_answer(text, None, plan({}, False)).content == text


PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ('{"name": "Ana", "age": 31}', '{"name": "Ana", "age": 31}'),
        ("{'name': 'Ana', 'age': 31,}", '{"name":"Ana","age":31}'),
        (
            '<think>easy</think>\n```json\n{"name": "Ana", "age": 31}\n```',
            '{"name": "Ana", "age": 31}',
        ),
    ],
)
def test_a_structured_answer_is_read_leniently_and_returned_as_valid_json(text, content):
    fmt = {"type": "json_schema", "json_schema": {"name": "Person", "schema": PERSON}}
    reading = read_answer(text, None, plan({"response_format": fmt}, False))
    assert reading.problems == [] and reading.content == content
    assert json.loads(reading.content) == {"name": "Ana", "age": 31}


def test_a_scalar_structured_answer_is_read():
    fmt = {"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "integer"}}}
    assert read_answer(" 42 ", None, plan({"response_format": fmt}, False)).content == "42"


# --- hostile answers: linear, bounded, never a RecursionError -------------------------------

HOSTILE = {
    "100k-open-braces": "{" * 100_000,
    "100k-open-brackets": "[" * 100_000,
    "100k-balanced-brackets": "[" * 50_000 + "]" * 50_000,
    "code-280kB": ('def f(x):\n    return {"k": x, \'q\': [1, 2], "s": "{"}\n' * 5_000),
    "many-small-spans": "[1] {a} " * 20_000,
    "unterminated-strings": '{"a": "' * 20_000,
    "tail-escaped-quotes": "[x] " * 10_000 + '{"a": "' + '\\"' * 100_000 + '"}',
    "tail-100k-closers": "[x] " * 10_000 + "}" * 100_000,
    "tail-100k-spans": "[x] " * 10_000 + "[1] " * 100_000,
    "pythonic-list-nested-10k": "[get_weather(city=" + "[" * 10_000 + "]" * 10_000 + ")]",
    "pythonic-list-unary-30k": "[get_weather(city=" + "-" * 30_000 + "1)]",
    "pythonic-list-unary-20k": "[get_weather(city=" + "-" * 20_000 + "1)]",
    "pythonic-list-sums-15k": "[get_weather(city=" + "1+" * 15_000 + "1)]",
    "pythonic-list-code-run": '[get_weather(city=__import__("os").system("exit 3"))]',
    "tool-code-5000-fences": "```tool_code\nprint(default_api.get_time())\n```\n" * 5_000,
    "tool-code-lambda-bomb": "```tool_code\nget_time(tz=(lambda: 1)" + "()" * 10_000 + ")\n```",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_answers_are_read_without_error(text):
    fmt = {"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "object"}}}
    for params in ({"tools": TOOLS}, {"tools": TOOLS, "tool_choice": "required"}):
        reading = read_answer(text, None, plan(params, True))
        assert reading.tool_calls == []
        assert reading.content == text or reading.problems
    structured = read_answer(text, None, plan({"response_format": fmt}, False))
    assert structured.problems or structured.content


def test_the_scanner_records_a_bounded_number_of_levels():
    found = spans("[" * 1_000 + "]" * 1_000)
    assert [s.level for s in found] == [0, 1, 2]
    assert found[0].depth == 1_000 and found[0].closed


def test_an_unclosed_span_is_reported_last_as_cut_off():
    found = spans('x {"a": 1} {"b": [2')
    assert [(s.start, s.closed) for s in found] == [(2, True), (11, False)]


CODE = HOSTILE["code-280kB"]  # 280 kB, 55,000 brackets and quotes: past the scan's bound
SEOUL_CALL = json.dumps({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]})


@pytest.mark.parametrize(
    "text",
    [
        "Here is the module:\n```python\n" + CODE + "```\nNow I save it.\n" + SEOUL_CALL,
        "Here:\n" + CODE + "\n```json\n" + SEOUL_CALL + "\n```\n",
        # The scan's bound falls inside an unclosed brace of the code.
        "Code: { " + CODE + "\n" + SEOUL_CALL,
        "Code: " + CODE + '\n{"name": "get_weather", "arguments": {"city": "Seoul"}}\n'
        '{"name": "get_time", "arguments": {}}',
    ],
    ids=["after-a-fence", "fenced", "inside-an-open-brace", "two-calls"],
)
def test_a_call_after_long_prose_is_read_from_the_end(text):
    reading = read_answer(text, None, plan({"tools": TOOLS}, True))
    assert reading.problems == []
    assert reading.tool_calls[0]["function"]["name"] == "get_weather"
    assert reading.content.startswith(("Here", "Code")) and SEOUL_CALL not in reading.content


def test_the_end_of_a_long_answer_is_read_within_its_own_bounds():
    # Only balanced spans that end the text, found backwards: not the inside of a long value.
    inner = '{"name": "get_weather", "arguments": {"city": "Seoul"}}, ' * 3_000
    cut = read_answer("Result: " + '{"data": [' + inner, None, plan({"tools": TOOLS}, True))
    assert cut.tool_calls == []
    whole = read_answer("{ " + CODE + SEOUL_CALL, None, plan({"tools": TOOLS}, True))
    assert whole.tool_calls == [] and whole.problems  # one unclosed value from the start
    # Past the window (a call followed by more than TAIL_CHARS of prose) it is not looked for.
    far = "x " + CODE + SEOUL_CALL + " and more." * (TAIL_CHARS // 10 + 1)
    assert read_answer(far, None, plan({"tools": TOOLS}, True)).tool_calls == []


def test_the_end_is_scanned_backwards_with_strings_read_right():
    text = "y" * 10 + '{"a": "q\\"}", "b": ["\\\\", "}{"]} tail'
    tail = tail_spans(text, 0)
    assert [(s.start, s.end, s.level, s.closed) for s in tail] == [(10, len(text) - 5, 0, True)]
    assert json.loads(text[10 : len(text) - 5]) == {"a": 'q"}', "b": ["\\", "}{"]}


def test_the_decoder_stops_at_its_budget():
    decoder = Decoder(10)
    fragment = "{'a': 1,}"
    results = [decoder.decode(fragment, 1) for _ in range(10_000)]
    assert results[0] == ({"a": 1}, True)
    assert results[-1] is None


def test_python_calls_are_read_as_data_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = '[get_time(tz=open("made", "w").write("x")), get_time(tz=exec("1/0"))]'
    reading = read_answer(text, None, plan({"tools": TOOLS}, True))
    assert reading.problems == [
        "the Python call list: get_time(...): argument tz is not a literal value"
    ]
    assert list(tmp_path.iterdir()) == []


def test_python_literals_refuse_anything_but_data():
    assert python_literal("{'a': [1, -2.5, None, True, 'x']}") == {"a": [1, -2.5, None, True, "x"]}
    assert python_literal("{'a': __import__('os')}") is None
    assert python_literal("{1: 2}") is None
    assert python_literal("[" * 500 + "]" * 500) is None


# --- the instruction's example call ---------------------------------------------------------


def test_the_example_call_is_a_valid_call_of_an_offered_tool():
    from laas_provider.transform.tools.validate import schema_errors

    for params in (
        {"tools": TOOLS},
        {"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "search"}}},
    ):
        p = plan(params, True)
        lines = instruction(p).splitlines()
        example = json.loads(
            lines[lines.index(next(x for x in lines if x.startswith("To call tools"))) + 1]
        )
        (call,) = example["tool_calls"]
        tool = p.tools[call["name"]]
        assert schema_errors(tool.parameters, call["arguments"]) == []
        assert call["name"] == (p.named or "get_weather")


def test_without_a_simple_valid_example_the_generic_form_is_shown():
    nested = {"type": "function", "function": {"name": "deep", "parameters": {
        "type": "object", "required": ["a"],
        "properties": {"a": {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}}}}}}  # fmt: skip
    text = instruction(plan({"tools": [nested]}, True))
    assert '{"tool_calls":[{"name":"<tool name>","arguments":{<arguments>}}]}' in text
