"""How each row is judged from one call's outcome: agree, disagree or unknown."""

from __future__ import annotations

import json
import time

from ..errors import message_of
from ..transform.response import FINISH_REASONS
from .model import AGREE, DISAGREE, SNIPPET, UNKNOWN, Judge, Outcome


def snippet(text: str, size: int = SNIPPET) -> str:
    one_line = " ".join(str(text).split())
    return one_line if len(one_line) <= size else one_line[: size - 1] + "…"


def error_message(o: Outcome) -> str:
    found = message_of(o.data)  # read as the plugin reads LaaS's errors
    return snippet(found) if found else snippet(o.text) or "empty body"


def http(o: Outcome) -> str:
    return f"HTTP {o.status}" if o.status is not None else f"no answer ({o.error})"


def said(o: Outcome) -> str:
    return f"answer {snippet(o.content)!r}" if o.content else "empty answer"


def expect_accepted(o: Outcome) -> tuple[str, str]:
    if o.status is None:
        return UNKNOWN, http(o)
    if 200 <= o.status < 300:
        if o.answer is None:
            return DISAGREE, f"{http(o)} without `choices`"
        return AGREE, f"accepted ({http(o)}); {said(o)}"
    if o.status < 500:
        return DISAGREE, f"refused: {http(o)} {error_message(o)!r}"
    return UNKNOWN, f"{http(o)} {error_message(o)!r}"


def expect_refused(o: Outcome) -> tuple[str, str]:
    if o.status is None:
        return UNKNOWN, http(o)
    if 400 <= o.status < 500:
        return AGREE, f"refused: {http(o)} {error_message(o)!r}"
    if 200 <= o.status < 300 and o.answer is not None:
        return DISAGREE, f"accepted ({http(o)}); {said(o)}"
    return UNKNOWN, f"{http(o)} {error_message(o)!r}"


def needs_answer(judge: Judge) -> Judge:
    """Judge a property of the answer; without an answer the row cannot be told."""

    def wrapped(o: Outcome) -> tuple[str, str]:
        if o.answer is None:
            return UNKNOWN, f"no answer to look at ({http(o)})"
        return judge(o)

    return wrapped


def judge_created(o: Outcome) -> tuple[str, str]:
    value = o.answer.get("created")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return DISAGREE, f"`created` is {type(value).__name__ if value is not None else 'missing'}"
    now = time.time()
    if value > 1e12:
        off = abs(value / 1000 - now)
        unit = "milliseconds (13 digits)"
        return (AGREE if off < 86_400 else DISAGREE), f"{unit}, {off:,.0f} s from this clock"
    off = abs(value - now)
    return DISAGREE, f"seconds (10 digits), {off:,.0f} s from this clock"


def judge_model(o: Outcome) -> tuple[str, str]:
    value = o.answer.get("model")
    if isinstance(value, str) and value:
        return AGREE, f"`model` is {snippet(value, 40)!r}"
    return DISAGREE, "no `model`" if value is None else f"`model` is {value!r}"


def judge_content(o: Outcome) -> tuple[str, str]:
    content = o.message.get("content")
    if isinstance(content, str):
        return AGREE, "a string"
    if isinstance(content, list) and all(
        isinstance(p, dict) and isinstance(p.get("text"), str) for p in content
    ):
        return AGREE, f"a list of {len(content)} text part(s)"
    return DISAGREE, f"content is {type(content).__name__}"


def judge_finish(o: Outcome) -> tuple[str, str]:
    value = o.finish_reason
    if isinstance(value, str) and value.lower() in FINISH_REASONS:
        return AGREE, f"`finish_reason` is {value!r}"
    return DISAGREE, f"`finish_reason` is {value!r}, which the plugin does not know"


def judge_usage(o: Outcome) -> tuple[str, str]:
    usage = o.answer.get("usage")
    if not isinstance(usage, dict):
        return DISAGREE, "no `usage`"
    names = ("prompt_tokens", "completion_tokens", "total_tokens")
    if all(isinstance(usage.get(n), int) for n in names):
        return AGREE, "OpenAI names, " + ", ".join(f"{n}={usage[n]}" for n in names)
    return DISAGREE, f"keys {', '.join(sorted(map(str, usage)))}"


def judge_headers(o: Outcome) -> tuple[str, str]:
    if o.status is not None and 200 <= o.status < 300:
        return AGREE, f"{http(o)} with exactly these headers"
    return UNKNOWN, f"{http(o)}"


def judge_max_tokens(limit: int) -> Judge:
    def judge(o: Outcome) -> tuple[str, str]:
        used, reason = o.completion_tokens, o.finish_reason
        mapped = FINISH_REASONS.get(str(reason).lower())
        if used is not None and used > limit:
            return DISAGREE, f"not honoured: {used} completion tokens for max_tokens={limit}"
        if mapped == "length":
            return AGREE, f"cut ({used} tokens), `finish_reason` {reason!r}"
        if len(o.content.split()) >= 20:
            return DISAGREE, f"not cut: {len(o.content.split())} words, `finish_reason` {reason!r}"
        return DISAGREE, f"cut ({used} tokens) but `finish_reason` is {reason!r}, not `length`"

    return needs_answer(judge)


def judge_json(o: Outcome) -> tuple[str, str]:
    text = o.content.strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return AGREE, f"a JSON object with keys {', '.join(sorted(parsed))[:40]}"
    cut = FINISH_REASONS.get(str(o.finish_reason).lower()) == "length"
    if cut and text.lstrip("`json \n").startswith("{"):
        return UNKNOWN, "a JSON object, cut by max_tokens before it could be parsed"
    return DISAGREE, f"not a JSON object: {snippet(text)!r}"


STOP_WORD = "charlie"


def judge_stop(o: Outcome) -> tuple[str, str]:
    text = o.content.lower()
    if STOP_WORD in text:
        return DISAGREE, f"ignored: the answer goes on past {STOP_WORD!r}: {snippet(o.content)!r}"
    if "bravo" in text:
        return AGREE, f"stopped before {STOP_WORD!r}: {snippet(o.content)!r}"
    return UNKNOWN, f"the model did not say the words: {snippet(o.content)!r}"


def judge_temperature(o: Outcome) -> tuple[str, str]:
    verdict, observed = expect_accepted(o)
    if verdict == AGREE:
        observed += "; whether it changes the answer cannot be told from one call"
    return verdict, observed


def relayable_stream(o: Outcome) -> bool:
    """An SSE answer that ``native_stream: v2`` can relay: OpenAI-like chunks (``choices``)
    and a last ``data: [DONE]``."""
    lines = [line[5:].strip() for line in o.text.splitlines() if line.startswith("data:")]
    if not lines or lines[-1] != "[DONE]":
        return False
    try:
        first = json.loads(next(line for line in lines if line.startswith("{")))
    except (StopIteration, ValueError):
        return False
    return isinstance(first, dict) and isinstance(first.get("choices"), list)


def stream_advice(o: Outcome) -> str:
    """What the report tells the administrator to do about ``native_stream``."""
    if o.status is not None and o.sse and relayable_stream(o):
        return ("fakes the stream from one answer unless `native_stream: v2` is set; this LaaS "
                "streams OpenAI-like chunks ending in [DONE]: set `native_stream: v2` on the "
                "deployment for real streaming (docs/streaming.md)")  # fmt: skip
    if o.status is not None and o.sse:
        return ("fakes the stream from one answer; this SSE is not the shape `native_stream: "
                "v2` reads (OpenAI chunks, [DONE]): keep native_stream off")  # fmt: skip
    return ("fakes the stream from one answer; LaaS did not stream, so keep `native_stream` "
            "off for v2 (`orchestrator` is Ennoia's own SSE endpoint)")  # fmt: skip


def judge_stream(o: Outcome) -> tuple[str, str]:
    if o.status is None:
        return UNKNOWN, http(o)
    if o.sse:
        lines = [line[5:].strip() for line in o.text.splitlines() if line.startswith("data:")]
        first = next((line for line in lines if line.startswith("{")), "")
        try:
            keys = ", ".join(sorted(json.loads(first))) if first else "none"
        except ValueError:
            keys = "not JSON"
        done = "ends with [DONE]" if lines and lines[-1] == "[DONE]" else "no [DONE]"
        return DISAGREE, f"SSE: {len(lines)} data lines, first chunk keys [{keys}], {done}"
    if 200 <= o.status < 300 and o.answer is not None:
        return AGREE, f"ignored: one JSON answer ({http(o)})"
    if 400 <= o.status < 500:
        return AGREE, f"refused: {http(o)} {error_message(o)!r}"
    return UNKNOWN, f"{http(o)} {error_message(o)!r}"


def judge_tools(o: Outcome) -> tuple[str, str]:
    if o.status is None:
        return UNKNOWN, http(o)
    if o.answer is not None:
        calls = o.message.get("tool_calls")
        if isinstance(calls, list) and calls:
            first = calls[0] if isinstance(calls[0], dict) else {}
            function = first.get("function") if isinstance(first.get("function"), dict) else {}
            args = type(function.get("arguments")).__name__
            shape = f"keys [{', '.join(sorted(first))}], function [{', '.join(sorted(function))}]"
            return DISAGREE, (
                f"native `tool_calls` ({len(calls)}): {shape}, arguments as {args}, "
                f"`finish_reason` {o.finish_reason!r}"
            )
        return AGREE, f"ignored: answered in text ({http(o)}); {said(o)}"
    if 400 <= o.status < 500:
        return AGREE, f"refused: {http(o)} {error_message(o)!r}"
    return UNKNOWN, f"{http(o)} {error_message(o)!r}"


def judge_image(o: Outcome) -> tuple[str, str]:
    verdict, observed = expect_accepted(o)
    if verdict == AGREE and "red" in o.content.lower():
        observed += " (the model saw the red square)"
    return verdict, observed


def judge_error(statuses: tuple[int, ...] | None) -> Judge:
    def judge(o: Outcome) -> tuple[str, str]:
        if o.status is None:
            return UNKNOWN, http(o)
        if 200 <= o.status < 300:
            return DISAGREE, f"{http(o)}, not an error"
        wanted = statuses or tuple(range(400, 500))
        has_message = isinstance(o.data, dict) and any(
            isinstance(o.data.get(k), str | dict) for k in ("message", "error", "detail")
        )
        shape = (
            f"JSON keys [{', '.join(sorted(map(str, o.data)))}]"
            if isinstance(o.data, dict)
            else f"{o.content_type.split(';')[0] or 'no content type'} body"
        )
        observed = f"{http(o)}, {shape}: {error_message(o)!r}"
        return (AGREE if o.status in wanted and has_message else DISAGREE), observed

    return judge


def judge_preset_info(o: Outcome) -> tuple[str, str]:
    if o.status == 200:
        # Key names only: values may hold the preset's own prompt.
        keys = sorted(map(str, o.data)) if isinstance(o.data, dict) else []
        shape = f"JSON keys [{', '.join(keys)}]" if keys else o.content_type or "no body"
        return AGREE, f"{http(o)}, {shape}"
    if o.status is None:
        return UNKNOWN, http(o)
    return DISAGREE, f"{http(o)} {error_message(o)!r}"
