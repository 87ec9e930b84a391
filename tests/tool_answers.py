"""A corpus of answers in the shapes models write when told to call tools in JSON (our own
examples of each family's documented format), with what the client must get: validated
calls, clean text, or a problem (the repair call; never raw protocol JSON as final text).

Shared by tests/unit/test_tool_reader.py and tests/e2e/test_tool_answers.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer", "minimum": 1},
                "metric": {"type": "boolean"},
            },
            "required": ["city"],
        },
    },
}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
SEARCH = {
    "type": "function",
    "function": {
        "name": "search",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
        },
    },
}
TOOLS = [WEATHER, TIME, SEARCH]
SEOUL = ("get_weather", {"city": "Seoul"})
BUSAN = ("get_weather", {"city": "Busan"})
TIME_CALL = ("get_time", {})

# A conversation with one finished tool call (the ids a new answer must not reuse).
HISTORY = [
    {"role": "user", "content": "Weather in Seoul?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Seoul"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21 C"},
]


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    content: str | None = None  # the exact text the client gets (None: not checked)
    problem: str | None = None  # words of the problem that makes the repair call
    params: dict[str, Any] = field(default_factory=dict)  # beyond tools=TOOLS
    history: bool = False  # the request carries HISTORY

    @property
    def text_answer(self) -> bool:
        return not self.calls and self.problem is None


def j(value: Any) -> str:
    return json.dumps(value)


def call(name: str, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments, **extra}


CALLS = [
    Case("canonical", j({"tool_calls": [call(*SEOUL)]}), [SEOUL]),
    Case("fenced", "```json\n" + j({"tool_calls": [call(*SEOUL)]}) + "\n```", [SEOUL]),
    Case("bare-object", j(call(*SEOUL)), [SEOUL]),
    Case("bare-list", j([call(*SEOUL), call(*TIME_CALL)]), [SEOUL, TIME_CALL]),
    Case("tool-calls-as-object", j({"tool_calls": call(*SEOUL)}), [SEOUL]),
    Case("tool-calls-as-mapping", j({"tool_calls": {"get_weather": {"city": "Seoul"}}}), [SEOUL]),
    Case("tool-call-singular", j({"tool_call": {"tool_name": "get_weather", "parameters": {"city": "Seoul"}}}), [SEOUL]),
    Case("openai-native-shape", j({"tool_calls": [{"id": "call_x1", "type": "function", "function": {"name": "get_weather", "arguments": j({"city": "Seoul"})}}]}), [SEOUL]),
    Case("openai-legacy-function-call", j({"function_call": {"name": "get_weather", "arguments": j({"city": "Seoul"})}}), [SEOUL]),
    Case("openai-multi-tool-use-parallel", j({"recipient_name": "multi_tool_use.parallel", "parameters": {"tool_uses": [{"recipient_name": "functions.get_weather", "parameters": {"city": "Seoul"}}, {"recipient_name": "functions.get_time", "parameters": {}}]}}), [SEOUL, TIME_CALL]),
    Case("openai-namespaced-name", j({"tool_calls": [call("functions.get_weather", {"city": "Seoul"})]}), [SEOUL]),
    Case("gemini-function-call", j({"functionCall": {"name": "get_weather", "args": {"city": "Seoul"}}}), [SEOUL]),
    Case("gemini-parts", j({"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Seoul"}}}, {"functionCall": {"name": "get_time", "args": {}}}]}), [SEOUL, TIME_CALL]),
    Case("hermes-tool-call-tag", "<tool_call>\n" + j(call(*SEOUL)) + "\n</tool_call>", [SEOUL]),
    Case("qwen-think-then-two-tags", "<think>\nThe user wants the weather in two cities.\n</think>\n\n<tool_call>\n" + j(call(*SEOUL)) + "\n</tool_call>\n<tool_call>\n" + j(call(*BUSAN)) + "\n</tool_call>", [SEOUL, BUSAN]),
    Case("hermes-tag-left-open", "<tool_call>\n" + j(call(*SEOUL)), [SEOUL]),
    Case("llama-python-tag", "<|python_tag|>" + j({"name": "get_weather", "parameters": {"city": "Seoul"}}) + "<|eom_id|>", [SEOUL]),
    Case("llama-json-parameters", j({"type": "function", "name": "get_weather", "parameters": {"city": "Seoul"}}), [SEOUL]),
    Case("llama-python-tag-two-calls", "<|python_tag|>" + j({"name": "get_weather", "parameters": {"city": "Seoul"}}) + "; " + j({"name": "get_time", "parameters": {}}), [SEOUL, TIME_CALL]),
    Case("mistral-tool-calls", "[TOOL_CALLS] " + j([call(*SEOUL)]), [SEOUL]),
    Case("mistral-args-marker", '[TOOL_CALLS]get_weather[ARGS]{"city": "Seoul"}', [SEOUL]),
    Case("claude-function-calls-xml", '<function_calls>\n<invoke name="get_weather">\n<parameter name="city">Seoul</parameter>\n<parameter name="days">2</parameter>\n</invoke>\n</function_calls>', [("get_weather", {"city": "Seoul", "days": 2})]),
    Case("claude-xml-after-prose", 'I will look it up.\n\n<function_calls>\n<invoke name="get_weather">\n<parameter name="city">Seoul</parameter>\n</invoke>\n<invoke name="get_time">\n</invoke>\n</function_calls>', [SEOUL, TIME_CALL]),
    Case("claude-legacy-xml", "<function_calls>\n<invoke>\n<tool_name>get_weather</tool_name>\n<parameters>\n<city>Seoul</city>\n</parameters>\n</invoke>\n</function_calls>", [SEOUL]),
    Case("anthropic-tool-use-block", j({"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"city": "Seoul"}}), [SEOUL]),
    Case("anthropic-content-blocks", j([{"type": "text", "text": "Checking."}, {"type": "tool_use", "id": "toolu_01B", "name": "get_weather", "input": {"city": "Seoul"}}]), [SEOUL]),
    Case("langchain-action", j({"action": "get_weather", "action_input": {"city": "Seoul"}}), [SEOUL]),
    Case("langchain-action-fenced-string-input", "```json\n" + j({"action": "search", "action_input": "LaaS pricing"}) + "\n```", [("search", {"query": "LaaS pricing"})]),
    Case("one-call-per-line", j(call(*SEOUL)) + "\n" + j(call(*BUSAN)), [SEOUL, BUSAN]),
    Case("two-fences", "First:\n```json\n" + j(call(*SEOUL)) + "\n```\nThen:\n```json\n" + j(call(*BUSAN)) + "\n```", [SEOUL, BUSAN]),
    Case("two-objects-back-to-back", j({"tool_calls": [call(*SEOUL)]}) + j({"tool_calls": [call(*BUSAN)]}), [SEOUL, BUSAN]),
    Case("prose-then-call", "Sure, let me check that for you.\n" + j(call(*SEOUL)), [SEOUL]),
    Case("content-beside-calls", j({"content": "Checking both.", "tool_calls": [call(*SEOUL), call(*BUSAN)]}), [SEOUL, BUSAN]),
    Case("arguments-as-json-string", j({"tool_calls": [{"name": "get_weather", "arguments": j({"city": "Seoul"})}]}), [SEOUL]),
    # Broken JSON, repaired where the meaning is clear.
    Case("trailing-commas", '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul",},},],}', [SEOUL]),
    Case("single-quotes", "{'tool_calls': [{'name': 'get_weather', 'arguments': {'city': 'Seoul'}}]}", [SEOUL]),
    Case("python-literals", "{'name': 'get_weather', 'arguments': {'city': 'Seoul', 'metric': True}}", [("get_weather", {"city": "Seoul", "metric": True})]),
    Case("json-with-comments", '{\n  // the weather tool\n  "name": "get_weather",\n  "arguments": {"city": "Seoul"} /* as asked */\n}', [SEOUL]),
    Case("raw-newline-in-string", '{"name": "search", "arguments": {"query": "line one\nline two"}}', [("search", {"query": "line one\nline two"})]),
    Case("raw-quotes-in-string", '{"name": "search", "arguments": {"query": "the "best" pizza"}}', [("search", {"query": 'the "best" pizza'})]),
    Case("missing-comma", '{"name": "get_weather" "arguments": {"city": "Seoul"}}', [SEOUL]),
    Case("arguments-string-with-trailing-comma", j({"name": "get_weather", "arguments": '{"city": "Seoul",}'}), [SEOUL]),
    # Calls written as Python: Gemini's tool_code fence, vLLM's pythonic list (issue 29).
    Case("gemini-tool-code", '```tool_code\nprint(default_api.get_weather(city="Seoul"))\n```', [SEOUL]),
    Case("gemini-tool-code-two-calls-after-prose", 'I will check both.\n```tool_code\nprint(default_api.get_weather(city="Seoul", days=2, metric=True))\nprint(default_api.get_time(tz="KST"))\n```', [("get_weather", {"city": "Seoul", "days": 2, "metric": True}), ("get_time", {"tz": "KST"})]),
    Case("vllm-pythonic-list", '[get_weather(city="Seoul"), get_time(tz="KST")]', [SEOUL, ("get_time", {"tz": "KST"})]),
    Case("pythonic-list-python-literals", "[search(query='the \\'best\\' pizza'), get_weather(city='Busan', metric=True)]", [("search", {"query": "the 'best' pizza"}), ("get_weather", {"city": "Busan", "metric": True})]),
    Case("python-true-in-json", '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul", "metric": true,}}]}', [("get_weather", {"city": "Seoul", "metric": True})]),
]  # fmt: skip

TEXTS = [
    Case("plain-text", "It is sunny in Seoul, 21 C.", content="It is sunny in Seoul, 21 C."),
    Case("content-object", j({"content": "It is sunny."}), content="It is sunny."),
    Case("content-object-fenced", "```json\n" + j({"content": "It is sunny."}) + "\n```", content="It is sunny."),
    Case("assistant-message-object", j({"role": "assistant", "content": "It is sunny."}), content="It is sunny."),
    Case("content-after-think", "<think>It is a greeting.</think>\n" + j({"content": "Hello!"}), content="Hello!"),
    Case("langchain-final-answer", j({"action": "Final Answer", "action_input": "It is sunny."}), content="It is sunny."),
    Case("quoted-message-in-prose", 'An OpenAI message looks like {"role":"user","content":"Hello"} in JSON.', content='An OpenAI message looks like {"role":"user","content":"Hello"} in JSON.'),
    Case("quoted-content-in-code-block", 'Send this body:\n```json\n{"content": "Hello"}\n```\nand read the reply.', content='Send this body:\n```json\n{"content": "Hello"}\n```\nand read the reply.'),
    Case("other-json", j({"answer": 42}), content=j({"answer": 42})),
    Case("code-with-braces", "Here is the function:\n```python\ndef f(x):\n    return {\"k\": x, 'q': [1, 2]}\n```", content="Here is the function:\n```python\ndef f(x):\n    return {\"k\": x, 'q': [1, 2]}\n```"),
    Case("essay-with-quotes", 'He said "the {best} days" were over; [citation needed].\n\n' * 3, content='He said "the {best} days" were over; [citation needed].\n\n' * 3),
    Case("summary-after-tools-with-no-tools", j({"content": "Seoul is sunny, 21 C."}), content="Seoul is sunny, 21 C.", params={"tools": None}, history=True),
    Case("summary-after-tools-with-tool-choice-none", j({"content": "Seoul is sunny."}), content="Seoul is sunny.", params={"tool_choice": "none"}, history=True),
    Case("bracketed-prose-with-parens", "[Note(s): the forecast is from 9 am]", content="[Note(s): the forecast is from 9 am]"),
    Case("plain-summary-with-no-tools", "Seoul is sunny.", content="Seoul is sunny.", params={"tools": None}, history=True),
]  # fmt: skip

REPAIRS = [
    Case("cut-off-answer", '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Se', problem="cut off"),
    Case("cut-off-tag", '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Se', problem="cut off"),
    Case("unreadable-tool-calls", '{"tool_calls": "get_weather(city=Seoul)"}', problem="tool_calls"),
    Case("tag-without-json", '<tool_call>get_weather(city="Seoul")</tool_call>', problem="not valid JSON"),
    Case("protocol-start-not-json", '{"tool_calls": [ get_weather with city Seoul ] and more words after it that are not JSON at all ' + "x" * 1200 + "}", problem="JSON"),
    Case("unknown-tool", j({"tool_calls": [call("get_news", {})]}), problem="unknown tool 'get_news'"),
    Case("invalid-arguments", j({"tool_calls": [call("get_weather", {"days": 0})]}), problem="'city' is a required property"),
    Case("call-when-no-tools", j({"tool_calls": [call(*SEOUL)]}), problem="no tools are offered", params={"tools": None}, history=True),
    Case("call-when-tool-choice-none", j({"tool_calls": [call(*SEOUL)]}), problem="tool_choice is none", params={"tool_choice": "none"}, history=True),
    Case("tool-code-unknown-tool", '```tool_code\nprint(default_api.get_news(topic="Seoul"))\n```', problem="unknown tool 'get_news'"),
    Case("tool-code-not-a-call", '```tool_code\nimport os\nprint(os.listdir("/"))\n```', problem="tool_code block holds code other than tool calls"),
    Case("tool-code-not-python", '```tool_code\nget_weather city=Seoul\n```', problem="tool_code block is not valid Python"),
    Case("pythonic-list-unknown-tool", '[get_news(topic="Seoul")]', problem="unknown tool 'get_news'"),
    Case("pythonic-list-not-a-literal", '[get_weather(city=__import__("os").getcwd())]', problem="argument city is not a literal value"),
    Case("pythonic-list-positional", '[get_weather("Seoul")]', problem="get_weather(...) must name each argument"),
    Case("required-but-text", "It is sunny.", problem="at least one tool call", params={"tool_choice": "required"}),
]  # fmt: skip

CORPUS = CALLS + TEXTS + REPAIRS


def request_params(case: Case) -> dict[str, Any]:
    params: dict[str, Any] = {"tools": TOOLS, **case.params}
    return {k: v for k, v in params.items() if v is not None}


def judge(
    case: Case, tool_calls: list[dict[str, Any]], content: str | None, problems: list[str]
) -> str | None:
    """What is wrong with a reading of ``case`` (None: right)."""
    if case.problem is not None:
        if not any(case.problem in p for p in problems):
            return f"expected a problem with {case.problem!r}, got {problems} / {content!r}"
        return None
    if problems:
        return f"unexpected problems {problems}"
    got = [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in tool_calls]
    if got != case.calls:
        return f"calls {got} != {case.calls} (content {content!r})"
    if case.content is not None and content != case.content:
        return f"content {content!r} != {case.content!r}"
    return None
