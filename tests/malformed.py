"""Malformed OpenAI chat requests for a LaaS model: each must get a 4xx naming the field,
before any upstream call (tests/unit/test_shape.py, tests/e2e/test_guard.py).

Each entry: a name, the request body without ``model``, and the field the answer must name
(the ``param`` of the 400). ``messages: []`` is not here: LaaS appends a request's messages
to the preset's own, so an empty list is a valid call of a preset that needs no turn.
``stream_options`` is not either: the proxy replaces it before any hook runs.
"""

from __future__ import annotations

from typing import Any

USER = {"role": "user", "content": "hi"}
CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}

CORPUS: list[tuple[str, dict[str, Any], str]] = [
    # messages itself
    ("messages a string", {"messages": "hi"}, "messages"),
    ("messages a number", {"messages": 5}, "messages"),
    ("messages an object", {"messages": {"role": "user", "content": "hi"}}, "messages"),
    ("messages missing", {}, "messages"),
    ("messages null", {"messages": None}, "messages"),
    ("message a string", {"messages": ["hi"]}, "messages[0]"),
    ("message a number", {"messages": [5]}, "messages[0]"),
    ("message null", {"messages": [None]}, "messages[0]"),
    ("message a list", {"messages": [[USER]]}, "messages[0]"),
    ("second message a string", {"messages": [USER, "again"]}, "messages[1]"),
    # role
    ("role missing", {"messages": [{"content": "hi"}]}, "messages[0].role"),
    ("role a number", {"messages": [{"role": 1, "content": "hi"}]}, "messages[0].role"),
    ("role unknown", {"messages": [{"role": "wizard", "content": "hi"}]}, "messages[0].role"),
    ("role a list", {"messages": [{"role": ["user"], "content": "hi"}]}, "messages[0].role"),
    ("role empty", {"messages": [{"role": "", "content": "hi"}]}, "messages[0].role"),
    # content
    ("content a number", {"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    ("content true", {"messages": [{"role": "user", "content": True}]}, "messages[0].content"),
    (
        "content an object",
        {"messages": [{"role": "user", "content": {"text": "hi"}}]},
        "messages[0].content",
    ),
    ("user content null", {"messages": [{"role": "user", "content": None}]}, "messages[0].content"),
    ("user content missing", {"messages": [{"role": "user"}]}, "messages[0].content"),
    (
        "system content null",
        {"messages": [{"role": "system", "content": None}, USER]},
        "messages[0].content",
    ),
    (
        "assistant content null without tool_calls",
        {"messages": [USER, {"role": "assistant", "content": None}, USER]},
        "messages[1].content",
    ),
    (
        "assistant content a number",
        {"messages": [USER, {"role": "assistant", "content": 3}, USER]},
        "messages[1].content",
    ),
    # content parts
    (
        "part without type",
        {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        "messages[0].content[0].type",
    ),
    (
        "part type a number",
        {"messages": [{"role": "user", "content": [{"type": 1, "text": "hi"}]}]},
        "messages[0].content[0].type",
    ),
    (
        "part a string",
        {"messages": [{"role": "user", "content": ["hi"]}]},
        "messages[0].content[0]",
    ),
    ("part null", {"messages": [{"role": "user", "content": [None]}]}, "messages[0].content[0]"),
    (
        "second part without type",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"text": "b"}]}]},
        "messages[0].content[1].type",
    ),
    # part types the plugin cannot send: LiteLLM made one a 500, retried on every fallback
    (
        "part type unknown",
        {"messages": [{"role": "user", "content": [{"type": "hologram"}]}]},
        "messages[0].content[0].type",
    ),
    (
        "second part type unknown",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "a"}, {"type": "hologram", "text": "b"}],
                }
            ]
        },
        "messages[0].content[1].type",
    ),
    (
        "part type audio",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "input_audio", "input_audio": {"data": "AA==", "format": "wav"}}
                    ],
                }
            ]
        },
        "messages[0].content[0].type",
    ),
    (
        "assistant part type unknown",
        {"messages": [USER, {"role": "assistant", "content": [{"type": "hologram"}]}, USER]},
        "messages[1].content[0].type",
    ),
    (
        "system part type unknown",
        {"messages": [{"role": "system", "content": [{"type": "hologram"}]}, USER]},
        "messages[0].content[0].type",
    ),
    (
        "text part text a number",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]},
        "messages[0].content[0].text",
    ),
    (
        "text part text missing",
        {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
        "messages[0].content[0].text",
    ),
    (
        "image_url part image_url a number",
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": 5}]}]},
        "messages[0].content[0].image_url",
    ),
    (
        "image_url url a number",
        {
            "messages": [
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": 5}}]}
            ]
        },
        "messages[0].content[0].image_url.url",
    ),
    (
        "system part without type",
        {"messages": [{"role": "system", "content": [{"text": "x"}]}, USER]},
        "messages[0].content[0].type",
    ),
    # tool calls and tool messages (shape only: whether they are allowed is the handler's call)
    (
        "tool_calls a string",
        {"messages": [USER, {"role": "assistant", "content": None, "tool_calls": "f()"}, USER]},
        "messages[1].tool_calls",
    ),
    (
        "tool_call a string",
        {"messages": [USER, {"role": "assistant", "content": None, "tool_calls": ["f"]}, USER]},
        "messages[1].tool_calls[0]",
    ),
    (
        "tool_call function missing",
        {
            "messages": [
                USER,
                {"role": "assistant", "tool_calls": [{"id": "c", "type": "function"}]},
            ]
        },
        "messages[1].tool_calls[0].function",
    ),
    (
        "tool_call arguments a number",
        {
            "messages": [
                USER,
                {
                    "role": "assistant",
                    "tool_calls": [{**CALL, "function": {"name": "f", "arguments": 5}}],
                },
            ]
        },
        "messages[1].tool_calls[0].function.arguments",
    ),
    (
        "tool message without tool_call_id",
        {
            "messages": [
                USER,
                {"role": "assistant", "tool_calls": [CALL]},
                {"role": "tool", "content": "42"},
            ]
        },
        "messages[2].tool_call_id",
    ),
    (
        "tool message content a number",
        {
            "messages": [
                USER,
                {"role": "assistant", "tool_calls": [CALL]},
                {"role": "tool", "tool_call_id": "call_1", "content": 42},
            ]
        },
        "messages[2].content",
    ),
    (
        "name a number",
        {"messages": [{"role": "user", "content": "hi", "name": 7}]},
        "messages[0].name",
    ),
    # top-level parameters LiteLLM reads before the handler
    ("stream a string", {"messages": [USER], "stream": "yes"}, "stream"),
    ("tools a string", {"messages": [USER], "tools": "f"}, "tools"),
    (
        "tool without function",
        {"messages": [USER], "tools": [{"type": "function"}]},
        "tools[0].function",
    ),
    ("temperature a string", {"messages": [USER], "temperature": "hot"}, "temperature"),
    ("max_tokens a string", {"messages": [USER], "max_tokens": "ten"}, "max_tokens"),
    ("n a string", {"messages": [USER], "n": "two"}, "n"),
    ("stop a number", {"messages": [USER], "stop": 5}, "stop"),
    (
        "response_format a string",
        {"messages": [USER], "response_format": "json"},
        "response_format",
    ),
    ("user a number", {"messages": [USER], "user": 5}, "user"),
    ("timeout a string", {"messages": [USER], "timeout": "soon"}, "timeout"),
    ("extra_headers a number", {"messages": [USER], "extra_headers": 5}, "extra_headers"),
]

# The other front doors that reach a LaaS model through LiteLLM's adapters:
# (name, path, body without ``model``, the field named).
OTHER_DOORS: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "anthropic messages a string",
        "/v1/messages",
        {"max_tokens": 9, "messages": "hi"},
        "messages",
    ),
    (
        "anthropic content a number",
        "/v1/messages",
        {"max_tokens": 9, "messages": [{"role": "user", "content": 5}]},
        "messages[0].content",
    ),
    (
        "anthropic block without type",
        "/v1/messages",
        {"max_tokens": 9, "messages": [{"role": "user", "content": [{"text": "x"}]}]},
        "messages[0].content[0].type",
    ),
    (
        # ("system" is let through: Claude Code's mid-conversation system turns.)
        "anthropic role tool",
        "/v1/messages",
        {"max_tokens": 9, "messages": [{"role": "tool", "content": "x"}]},
        "messages[0].role",
    ),
    (
        "anthropic system a number",
        "/v1/messages",
        {"max_tokens": 9, "system": 5, "messages": [USER]},
        "system",
    ),
    (
        "anthropic block type unknown",
        "/v1/messages",
        {"max_tokens": 9, "messages": [{"role": "user", "content": [{"type": "hologram"}]}]},
        "messages[0].content[0].type",
    ),
    (
        "anthropic assistant block type unknown",
        "/v1/messages",
        {
            "max_tokens": 9,
            "messages": [USER, {"role": "assistant", "content": [{"type": "hologram"}]}, USER],
        },
        "messages[1].content[0].type",
    ),
    (
        "anthropic user block of an assistant's type",
        "/v1/messages",
        {
            "max_tokens": 9,
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}],
                }
            ],
        },
        "messages[0].content[0].type",
    ),
    (
        "anthropic tool_result block type unknown",
        "/v1/messages",
        {
            "max_tokens": 9,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "t",
                            "content": [{"type": "hologram"}],
                        }
                    ],
                }
            ],
        },
        "messages[0].content[0].content[0].type",
    ),
    (
        "anthropic system block type unknown",
        "/v1/messages",
        {"max_tokens": 9, "system": [{"type": "hologram"}], "messages": [USER]},
        "system[0].type",
    ),
    ("responses input a number", "/v1/responses", {"input": 5}, "input"),
    (
        "responses part type unknown",
        "/v1/responses",
        {"input": [{"role": "user", "content": [{"type": "hologram"}]}]},
        "input[0].content[0].type",
    ),
    (
        "responses part type unknown with text",
        "/v1/responses",
        {"input": [{"role": "user", "content": [{"type": "hologram", "text": "hi"}]}]},
        "input[0].content[0].type",
    ),
    (
        "responses item content a number",
        "/v1/responses",
        {"input": [{"role": "user", "content": 5}]},
        "input[0].content",
    ),
    ("responses item a string", "/v1/responses", {"input": ["hi"]}, "input[0]"),
    # Items of a type LiteLLM's Responses bridge does not translate: it dropped them (a 200).
    (
        "responses item type unknown",
        "/v1/responses",
        {"input": [USER, {"type": "hologram", "content": "hi"}]},
        "input[1].type",
    ),
    (
        "responses item reference",
        "/v1/responses",
        {"input": [{"type": "item_reference", "id": "msg_1"}]},
        "input[0].type",
    ),
    ("completions prompt a number", "/v1/completions", {"prompt": 5}, "prompt"),
    ("completions prompt an object", "/v1/completions", {"prompt": {"a": 1}}, "prompt"),
]
