"""OpenAI messages -> LaaS messages (pure)."""

from __future__ import annotations

import pytest

from laas_provider.errors import InputError
from laas_provider.transform import build_body, to_laas_messages
from laas_provider.transform.messages import MID_SYSTEM_LEAD


def text(t: str) -> list[dict]:
    return [{"type": "text", "text": t}]


def test_string_content_becomes_one_text_part():
    assert to_laas_messages([{"role": "user", "content": "hi"}]) == [
        {"role": "user", "content": text("hi")}
    ]


def test_list_of_text_parts_is_kept_in_order_and_extra_keys_dropped():
    parts = [{"type": "text", "text": "a", "cache_control": {}}, {"type": "text", "text": "b"}]
    assert to_laas_messages([{"role": "user", "content": parts}])[0]["content"] == [
        {"type": "text", "text": "a"},
        {"type": "text", "text": "b"},
    ]


@pytest.mark.parametrize(
    ("role", "laas_role"),
    [("system", "system"), ("developer", "system"), ("user", "user"), ("assistant", "assistant")],
)
def test_roles_map_to_laas_roles(role, laas_role):
    assert to_laas_messages([{"role": role, "content": "x"}])[0]["role"] == laas_role


def test_message_name_is_not_forwarded():
    (message,) = to_laas_messages([{"role": "user", "content": "x", "name": "bob"}])
    assert set(message) == {"role", "content"}


@pytest.mark.parametrize(
    ("message", "place", "words"),
    [
        ({"role": "tool", "content": "x"}, "messages[0].tool_call_id", "id of the tool call"),
        ({"role": "wizard", "content": "x"}, "messages[0].role", "unknown role"),
        ({"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]}, "messages[0].tool_calls[0].function", "must be an object"),
        ({"role": "assistant", "content": None, "tool_calls": "x"}, "messages[0].tool_calls", "list"),
        ({"role": "user"}, "messages[0].content", "is required"),
        ({"role": "user", "content": 5}, "messages[0].content", "string or a list"),
        ({"role": "user", "content": [{"type": "text", "text": 3}]}, "messages[0].content[0].text", "string"),
        ({"role": "user", "content": [{"type": "video"}]}, "messages[0].content[0].type", "unsupported content part"),
        ({"role": "user", "content": ["bare"]}, "messages[0].content[0]", "content part object"),
        ("just a string", "messages[0]", "object"),
    ],
)  # fmt: skip
def test_bad_messages_are_refused_naming_the_place(message, place, words):
    with pytest.raises(InputError) as caught:
        to_laas_messages([message])
    assert caught.value.place == place
    assert words in str(caught.value)


def test_place_counts_from_zero_across_messages():
    with pytest.raises(InputError) as caught:
        to_laas_messages([{"role": "user", "content": "ok"}, {"role": "bot", "content": "x"}])
    assert caught.value.place == "messages[1].role"


def test_messages_must_be_a_list():
    with pytest.raises(InputError, match="messages"):
        to_laas_messages("hello")  # type: ignore[arg-type]


def test_body_has_hash_params_messages_and_nothing_from_litellm():
    body = build_body(
        "h" * 64,
        [{"role": "user", "content": "hi"}],
        {"params": {"q": "v"}, "stream": True, "max_retries": 0, "user": "u", "temperature": 0.2},
    )
    assert body == {
        "hash": "h" * 64,
        "params": {"q": "v"},
        "messages": [{"role": "user", "content": text("hi")}],
        "temperature": 0.2,
    }


def test_mid_conversation_system_message_becomes_a_marked_user_turn_in_its_place():
    # Claude Code's `mid-conversation-system` beta: a system turn after the user's.
    messages = [
        {"role": "system", "content": "You are an agent."},
        {"role": "user", "content": "create hello.txt"},
        {"role": "system", "content": [{"type": "text", "text": "Agent types: ..."}]},
        {"role": "assistant", "content": "ok"},
        {"role": "developer", "content": "Be brief."},
    ]
    out = to_laas_messages(messages)
    assert [m["role"] for m in out] == ["system", "user", "user", "assistant", "user"]
    assert out[0]["content"] == [{"type": "text", "text": "You are an agent."}]
    assert out[2]["content"] == [{"type": "text", "text": MID_SYSTEM_LEAD + "Agent types: ..."}]
    assert out[4]["content"][0]["text"] == MID_SYSTEM_LEAD + "Be brief."


def test_leading_system_messages_stay_system_and_the_tool_instruction_follows_them():
    from laas_provider.transform.tools import instruction, plan

    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    body = build_body(
        "h",
        [
            {"role": "system", "content": "a"},
            {"role": "developer", "content": "b"},
            {"role": "user", "content": "c"},
            {"role": "system", "content": "d"},
        ],
        {},
        agent=(agent := plan({"tools": tools}, emulation=True)),
    )
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "system", "system", "user", "user"]
    assert body["messages"][2]["content"][0]["text"] == instruction(agent)
