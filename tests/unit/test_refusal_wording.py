"""The request guard (through the proxy) and the transform (also on the SDK path) refuse the
same malformed request with the same field and the same words (transform/checks.py)."""

from __future__ import annotations

import pytest

from laas_provider import transform
from laas_provider.errors import InputError
from laas_provider.proxy.shape import check_chat_request

from ..malformed import CALL, CORPUS, USER

TOOL = {"type": "function", "function": {"name": "f"}}
# Corpus requests only the guard refuses: fields LiteLLM reads and the transform never sees
# or lets pass (tool call arguments are read as JSON or text), and `extra_headers`, which
# LiteLLM consumes before the handler.
GUARD_ONLY = {
    "name a number",
    "stream a string",
    "user a number",
    "timeout a string",
    "extra_headers a number",
}
MORE = [
    ("tool_choice a number", {"messages": [USER], "tool_choice": 5}),
    ("tool_choice a list", {"messages": [USER], "tools": [TOOL], "tool_choice": ["f"]}),
    ("stop a list of numbers", {"messages": [USER], "stop": [1]}),
    ("stop an object", {"messages": [USER], "stop": {"a": 1}}),
    ("max_tokens a float", {"messages": [USER], "max_tokens": 1.5}),
    ("max_tokens a boolean", {"messages": [USER], "max_tokens": True}),
    ("temperature a boolean", {"messages": [USER], "temperature": True}),
    ("top_p a string", {"messages": [USER], "top_p": "x"}),
    ("parallel_tool_calls a string", {"messages": [USER], "tools": [TOOL], "parallel_tool_calls": "yes"}),
    ("tools an object", {"messages": [USER], "tools": {"a": 1}}),
    ("tool a string", {"messages": [USER], "tools": ["f"]}),
    ("tool type a number", {"messages": [USER], "tools": [{"type": 5}]}),
    ("tool name a number", {"messages": [USER], "tools": [{"type": "function", "function": {"name": 5}}]}),
    ("tool parameters a string", {"messages": [USER], "tools": [{"type": "function", "function": {"name": "f", "parameters": "{}"}}]}),
    ("response_format type a number", {"messages": [USER], "response_format": {"type": 5}}),
    ("response_format without type", {"messages": [USER], "response_format": {}}),
    ("tool call name a number", {"messages": [USER, {"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": 5, "arguments": "{}"}}]}]}),
    ("function_call a string", {"messages": [USER, {"role": "assistant", "function_call": "f"}]}),
    ("tool result part a number", {"messages": [USER, {"role": "assistant", "tool_calls": [CALL]}, {"role": "tool", "tool_call_id": "call_1", "content": [5]}]}),
    ("image_url missing", {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}),
    ("file a string", {"messages": [{"role": "user", "content": [{"type": "file", "file": "x"}]}]}),
    ("refusal part", {"messages": [{"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]}]}),
    # Decided once (issue 29): `n`, a tool call's `arguments`, content that may be null.
    ("n zero", {"messages": [USER], "n": 0}),
    ("n negative", {"messages": [USER], "n": -2}),
    ("n a float", {"messages": [USER], "n": 1.5}),
    ("n a boolean", {"messages": [USER], "n": True}),
    ("tool call arguments a list", {"messages": [USER, {"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "f", "arguments": [1]}}]}]}),
    ("tool call arguments a boolean", {"messages": [USER, {"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "f", "arguments": True}}]}]}),
    ("function_call arguments a number", {"messages": [USER, {"role": "assistant", "function_call": {"name": "f", "arguments": 5}}]}),
    ("assistant content null with an empty tool_calls", {"messages": [USER, {"role": "assistant", "content": None, "tool_calls": []}, USER]}),
]  # fmt: skip
# Requests both accept, decided by the same rules (issue 29): arguments as a JSON string or an
# object (or absent), a tool's or function's result with no content (an empty result).
RESULT = {"role": "tool", "tool_call_id": "call_1"}
ACCEPTED = [
    ("tool call arguments an object", {"messages": [USER, {"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "f", "arguments": {"a": 1}}}]}, {**RESULT, "content": "42"}]}),
    ("tool call arguments absent", {"messages": [USER, {"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "f"}}]}, {**RESULT, "content": "42"}]}),
    ("tool call arguments not JSON", {"messages": [USER, {"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "f", "arguments": "city=Seoul"}}]}, {**RESULT, "content": "42"}]}),
    ("tool content null", {"messages": [USER, {"role": "assistant", "tool_calls": [CALL]}, {**RESULT, "content": None}]}),
    ("tool content absent", {"messages": [USER, {"role": "assistant", "tool_calls": [CALL]}, RESULT]}),
    ("function content null", {"messages": [USER, {"role": "function", "name": "f", "content": None}]}),
    ("n one", {"messages": [USER], "n": 1}),
]  # fmt: skip
CASES = [(name, body) for name, body, _ in CORPUS if name not in GUARD_ONLY] + MORE


def guard_refusal(body: dict) -> InputError:
    with pytest.raises(InputError) as caught:
        check_chat_request(body)
    return caught.value


def transform_refusal(body: dict) -> InputError:
    """As call._Call does it: the Plan (tool emulation on), then the body."""
    params = transform.flatten({k: v for k, v in body.items() if k != "messages"})
    with pytest.raises(InputError) as caught:
        agent = transform.plan(params, emulation=True)
        transform.build_body("h" * 64, body.get("messages"), params, agent=agent)
    return caught.value


@pytest.mark.parametrize(("name", "body"), CASES, ids=[name for name, _ in CASES])
def test_guard_and_transform_refuse_alike(name, body):
    guard, translation = guard_refusal(body), transform_refusal(body)
    assert (translation.place, translation.problem) == (guard.place, guard.problem)


@pytest.mark.parametrize(("name", "body"), ACCEPTED, ids=[name for name, _ in ACCEPTED])
def test_guard_and_transform_accept_alike(name, body):
    check_chat_request(body)
    params = transform.flatten({k: v for k, v in body.items() if k != "messages"})
    transform.build_body("h", body["messages"], params, agent=transform.plan(params, True))


def test_more_than_one_choice_is_the_transforms_to_refuse_or_drop():
    # The guard cannot know the deployment's drop_params: n=2 passes it; the transform
    # refuses it with the words the guard uses for n=0, or drops it under drop_params.
    body = {"messages": [USER], "n": 2}
    check_chat_request(body)
    assert (transform_refusal(body).place, transform_refusal(body).problem) == (
        guard_refusal({**body, "n": 0}).place,
        guard_refusal({**body, "n": 0}).problem,
    )
    assert "n" not in transform.build_body("h", [USER], {"n": 2}, drop_params=True)


@pytest.mark.parametrize(("name", "body"), [(n, b) for n, b, _ in CORPUS if n in GUARD_ONLY])
def test_what_only_the_guard_refuses_passes_the_transform(name, body):
    # If the transform starts refusing one of these, it belongs in CASES above.
    guard_refusal(body)
    params = transform.flatten({k: v for k, v in body.items() if k != "messages"})
    if "extra_headers" not in params:
        transform.build_body("h", body["messages"], params, agent=transform.plan(params, True))
