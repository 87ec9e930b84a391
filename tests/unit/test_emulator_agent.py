"""The emulator's unscripted agent (emulator/agent.py): one tool call per conversation, then
text, so any agent's turn ends on the emulator; scripted answers still come first."""

from __future__ import annotations

import json

from laas_provider.emulator import agent
from laas_provider.transform import build_body, plan

TOOLS = [
    {"type": "function", "function": {"name": "agent", "parameters": {
        "type": "object", "properties": {"prompt": {"type": "string"}}, "required": ["prompt"]}}},
    {"type": "function", "function": {"name": "write_file", "parameters": {"type": "object"}}},
]  # fmt: skip
CALL = {"id": "c1", "type": "function", "function": {"name": "agent", "arguments": "{}"}}
TASK = {"role": "user", "content": "Create hello.txt containing hi"}
RESULT = {"role": "tool", "tool_call_id": "c1", "content": "Background agent launched."}
# What Qwen Code sends when its background agent finishes: a user turn after the result.
NOTICE = {"role": "user", "content": "<task-notification>done</task-notification>"}


def answer(messages: list[dict], **asked) -> dict:
    """The emulator's answer to what the plugin sends LaaS for ``messages``."""
    params = {"tools": TOOLS, **asked}
    sent = build_body("h", messages, params, agent=plan(params, emulation=True))["messages"]
    return json.loads(agent.reply(sent))


def test_a_task_gets_one_call_of_the_first_tool():
    (call,) = answer([TASK])["tool_calls"]
    assert call == {"name": "agent", "arguments": {"prompt": "Seoul"}}


def test_after_a_tool_result_it_answers_in_text():
    history = [TASK, {"role": "assistant", "content": None, "tool_calls": [CALL]}, RESULT]
    assert answer(history) == {"content": "The tool answered: Background agent launched."}


def test_a_user_turn_after_a_tool_result_gets_text_not_another_call():
    # Before: the notification started another background agent, and so on (721 requests
    # in 180 s until Qwen Code was killed).
    history = [TASK, {"role": "assistant", "content": None, "tool_calls": [CALL]}, RESULT,
               {"role": "assistant", "content": "Started."}, NOTICE]  # fmt: skip
    assert answer(history) == {"content": "The tool answered: Background agent launched."}


def test_a_demanded_call_is_still_made_after_a_user_turn():
    history = [TASK, {"role": "assistant", "content": None, "tool_calls": [CALL]}, RESULT,
               {"role": "assistant", "content": "Started."}, NOTICE]  # fmt: skip
    named = {"type": "function", "function": {"name": "write_file"}}
    assert answer(history, tool_choice=named)["tool_calls"][0]["name"] == "write_file"
    assert answer(history, tool_choice="required")["tool_calls"][0]["name"] == "agent"
