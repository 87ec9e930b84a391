"""Tool calls written in a markup, found (pure): Hermes/Qwen ``<tool_call>`` tags, Llama's
``<|python_tag|>``, Mistral's ``[TOOL_CALLS]``, Claude's ``<function_calls>`` XML, Gemini's
``tool_code`` fences; and a leading ``<think>`` block dropped. JSON fragments found here are
read by shapes.py, Python code by pythonic.py. Every search here is a forward ``str.find``:
linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .shapes import RawCall

THINK_TAGS = (("<think>", "</think>"), ("<thinking>", "</thinking>"))
LLAMA_TAG = "<|python_tag|>"
LLAMA_ENDS = ("<|eom_id|>", "<|eot_id|>")
MISTRAL_TAG = "[TOOL_CALLS]"
MISTRAL_ARGS = "[ARGS]"
_INVOKE = re.compile(r'<(?:\w+:)?invoke(?:\s+name="([^"]*)")?\s*>')
_CALLS_END = re.compile(r"</(?:\w+:)?function_calls>")
_PARAMETER = re.compile(r'<(?:\w+:)?parameter\s+name="([^"]*)"\s*>')
TOOL_CODE = "```tool_code"
_MARKUP_START = re.compile(
    r"<tool_call>|<\|python_tag\|>|\[TOOL_CALLS\]|<(?:\w+:)?function_calls>|<(?:\w+:)?invoke\b"
    r"|```tool_code\b"
)


@dataclass
class Markup:
    """Calls written in a markup: JSON fragments still to decode, calls read from XML, and
    the text outside the markup (the answer's prose)."""

    fragments: list[str] = field(default_factory=list)
    calls: list[RawCall] = field(default_factory=list)
    outside: str = ""
    code: list[str] = field(default_factory=list)  # Python code of tool_code fences


def without_think(text: str) -> str:
    """The answer without its leading reasoning block(s) (``<think>...</think>``)."""
    body = text.lstrip()
    for opening, closing in THINK_TAGS:
        if body.startswith(opening):
            end = body.find(closing)
            if end >= 0:
                return without_think(body[end + len(closing) :])
    return body


def markup(text: str) -> Markup | None:
    """The tool-call markup in ``text``, or None when there is none."""
    start = _MARKUP_START.search(text)
    if start is None:
        return None
    tag = start.group()
    if tag == "<tool_call>":
        return _between(text, "<tool_call>", "</tool_call>")
    if tag == LLAMA_TAG:
        rest = text[start.end() :]
        for end in LLAMA_ENDS:
            rest = rest.replace(end, "")
        return Markup(
            fragments=[p for p in rest.split(";") if p.strip()], outside=text[: start.start()]
        )
    if tag == MISTRAL_TAG:
        return _mistral(text, start.start())
    if tag == TOOL_CODE:
        return _tool_code(text)
    return _invokes(text, start.start())


def _between(text: str, opening: str, closing: str) -> Markup:
    found = Markup()
    outside = []
    pos = 0
    while True:
        at = text.find(opening, pos)
        if at < 0:
            outside.append(text[pos:])
            break
        outside.append(text[pos:at])
        end = text.find(closing, at + len(opening))
        if end < 0:  # the last tag left open (cut off, or the model stopped there)
            found.fragments.append(text[at + len(opening) :])
            break
        found.fragments.append(text[at + len(opening) : end])
        pos = end + len(closing)
    found.outside = "".join(outside)
    return found


def _tool_code(text: str) -> Markup:
    """Gemini's ```` ```tool_code ```` fences (the last one may be left open)."""
    fenced = _between(text, TOOL_CODE, "```")
    return Markup(code=fenced.fragments, outside=fenced.outside)


def _mistral(text: str, at: int) -> Markup:
    found = Markup(outside=text[:at])
    rest = text[at:]
    parts = [p for p in rest.split(MISTRAL_TAG) if p.strip()]
    for part in parts:
        if MISTRAL_ARGS in part:  # [TOOL_CALLS]name[ARGS]{...} (Mistral's newer tokenizers)
            name, _, arguments = part.partition(MISTRAL_ARGS)
            found.fragments.append(
                f'{{"name": "{_escape(name.strip())}", "arguments": {arguments}}}'
            )
        else:
            found.fragments.append(part)
    return found


def _escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')


def _invokes(text: str, at: int) -> Markup:
    """Claude's XML: ``<invoke name="t"><parameter name="p">v</parameter></invoke>``, and the
    older ``<invoke><tool_name>t</tool_name><parameters><p>v</p></parameters></invoke>``."""
    found = Markup(outside=text[:at])
    pos = at
    while True:
        opening = _INVOKE.search(text, pos)
        if opening is None:
            break
        end = text.find("invoke>", opening.end())
        body = text[opening.end() : end if end >= 0 else len(text)]
        name = opening.group(1)
        if name is None:
            name = _element(body, "tool_name")
            params_body = _element(body, "parameters") or ""
            values = _children(params_body)
        else:
            values = _parameters(body)
        found.calls.append(RawCall(name, values, strings=True))
        if end < 0:
            return found
        pos = end + len("invoke>")
    closing = _CALLS_END.search(text, pos)
    found.outside += text[closing.end() if closing else pos :]
    return found


def _parameters(body: str) -> dict[str, str]:
    values = {}
    pos = 0
    while True:
        opening = _PARAMETER.search(body, pos)
        if opening is None:
            return values
        end = body.find("parameter>", opening.end())
        if end < 0:
            values[opening.group(1)] = body[opening.end() :]
            return values
        close = body.rfind("</", opening.end(), end)
        values[opening.group(1)] = body[opening.end() : close if close >= 0 else end]
        pos = end + len("parameter>")


def _element(body: str, tag: str) -> str | None:
    start = body.find(f"<{tag}>")
    if start < 0:
        return None
    end = body.find(f"</{tag}>", start)
    return body[start + len(tag) + 2 : end if end >= 0 else len(body)].strip()


_CHILD = re.compile(r"<([A-Za-z_][\w-]*)>")


def _children(body: str) -> dict[str, str]:
    values = {}
    pos = 0
    while True:
        opening = _CHILD.search(body, pos)
        if opening is None:
            return values
        tag = opening.group(1)
        end = body.find(f"</{tag}>", opening.end())
        if end < 0:
            return values
        values[tag] = body[opening.end() : end]
        pos = end + len(tag) + 3
