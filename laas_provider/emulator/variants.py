"""Answer variants LaaS has been seen to send, selectable per request by tests.

A request picks them with the preset variable ``emulator_variant`` (comma-separated):
``content_list`` (content as a list of text parts), ``created_ms`` (13-digit ``created``),
``no_usage``, ``finish_reason=<value>``, ``extra_keys`` (Ennoia-style extra fields and
``object: chat.completion.chunk``). ``max_tokens`` in the body is honoured as LaaS's
models do: the text is cut and ``finish_reason`` becomes ``length``.
"""

from __future__ import annotations

from typing import Any

VARIANT_PARAM = "emulator_variant"
CHARS_PER_TOKEN = 4


def apply(answer: dict[str, Any], body: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    choice = answer["choices"][0]
    message = choice["message"]
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, int) and answer["usage"]["completion_tokens"] > max_tokens:
        message["content"] = message["content"][: max_tokens * CHARS_PER_TOKEN]
        choice["finish_reason"] = "length"
        usage = answer["usage"]
        usage["completion_tokens"] = max_tokens
        usage["total_tokens"] = usage["prompt_tokens"] + max_tokens

    for variant in filter(None, (v.strip() for v in params.get(VARIANT_PARAM, "").split(","))):
        name, _, value = variant.partition("=")
        if name == "content_list":
            text = message["content"]
            half = len(text) // 2
            message["content"] = [
                {"type": "text", "text": text[:half]},
                {"type": "text", "text": text[half:]},
            ]
            message["tool_calls"] = []
        elif name == "created_ms":
            if answer["created"] < 10**12:  # already milliseconds by default (behaviour.py)
                answer["created"] = answer["created"] * 1000 + 123
        elif name == "no_usage":
            answer.pop("usage", None)
        elif name == "finish_reason":
            choice["finish_reason"] = value or None
        elif name == "extra_keys":
            answer.update(object="chat.completion.chunk", connector_results=[],
                          connector_result_yn="N", session_id="emu-session")  # fmt: skip
    return answer
