"""What the plugin does for each probe's case, said in the report's last column: its own pure
translation run on the OpenAI-shaped equivalent, its reading of the answer, its mapping of
an error (no I/O).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from .. import errors
from ..transform import build_body, flatten
from .judges import snippet
from .model import Check, Outcome


def plugin_request(messages: list[dict[str, Any]], params: dict[str, Any], note: str = "") -> str:
    """Run the plugin's own translation on the OpenAI-shaped equivalent of a probe."""
    try:
        body = build_body("PRESET", messages, flatten(params))
    except errors.InputError as exc:
        return f"refuses it with a 400 before any call ({snippet(str(exc), 90)})"
    # max_tokens goes with every probe; it is named only where it is the key being probed.
    probed = [k for k in params if k != "max_tokens"]
    sent = [k for k in body if k in probed]
    dropped = [k for k in probed if k not in body]
    parts = ["sends it"]
    if sent:
        parts.append(f"with {', '.join(sent)}")
    if dropped:
        parts.append(f"without {', '.join(dropped)}")
    if all(isinstance(m.get("content"), list) for m in body["messages"]):
        parts.append("(content as a list of parts)")
    return " ".join(parts) + (f"; {note}" if note else "")


def plugin_answer(o: Outcome, what: Callable[[dict[str, Any]], str]) -> str:
    return what(o.answer) if o.answer is not None else "-"


def plugin_error(o: Outcome) -> str:
    if o.status is None or o.status < 400:
        return "-"
    request = httpx.Request("POST", "https://laas.invalid/")  # from_status needs one
    response = httpx.Response(
        o.status, text=o.text, headers={"content-type": o.content_type}, request=request
    )
    exc = errors.from_status(response, "laas/probe", ())
    status = getattr(exc, "status_code", o.status)
    return f"{type(exc).__name__} ({status}) with LaaS's message"


def plugin_says(check: Check, outcome: Outcome) -> str:
    try:
        return check.plugin(outcome)
    except Exception as exc:  # describing the plugin must never end the run
        return f"could not be worked out ({type(exc).__name__})"


def fixed(text: str) -> Callable[[Outcome], str]:
    return lambda _o: text


def row_plugin(probe_openai: tuple[list[dict[str, Any]], dict[str, Any]], note: str = ""):
    messages, params = probe_openai
    return fixed(plugin_request(messages, params, note))
