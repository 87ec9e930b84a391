"""``laas-check --probe``: settle each assumption of docs/assumptions.md against your LaaS.

A fixed list of at most 20 small calls (``PROBES``), each sent once, in order, never
retried. Each sends a raw LaaS body (``hash``/``params``/``messages`` plus the key being
probed), not the plugin's translation, so it tests the service itself; each report row also
says what the plugin does for the same case (its pure transform functions, no I/O).

Safety: the plan (calls, token bound) is printed and confirmed first (``--yes`` skips the
question; without a terminal nothing is sent unless ``--yes``); the run stops at the first
401/403 (or 429, or a transport error) on your own credentials, and stops spending tokens
as soon as an answer is longer than the ``max_tokens`` it was sent with.

Report: a table on the terminal and ``laas-probe-<date>.json`` / ``.md``, with the API key,
project code and preset hash masked everywhere. Exit status: 0 when no row disagrees
(``unknown`` rows do not fail: they say the probe could not tell), 3 when any row disagrees,
1 when the run was declined or stopped before the end, 2 when LaaS is not configured.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import client, errors, probe_media
from .settings import LaaSSettings
from .transform import build_body, flatten
from .transform.response import FINISH_REASONS, content_text, created_seconds

AGREE, DISAGREE, UNKNOWN = "agree", "disagree", "unknown"
MAX_CALLS = 20
MAX_BODY = 256 * 1024  # bytes of an answer we read; probes ask for a few words
SNIPPET = 60
# Input allowances for the printed bound: our tiny images and the one-page PDF are far
# below these on Claude-class models (tokens ~ width x height / 750 per image).
IMAGE_TOKENS = 1_600
PDF_PAGE_TOKENS = 3_000
DEFAULT_IMAGE_URL = (
    "https://www.google.com/images/branding/googlelogo/1x/googlelogo_color_272x92dp.png"
)
DEFAULT_PDF_URL = "https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf"
WRONG_KEY = "laas-probe-wrong-api-key"
# A 64-hex hash no deployed preset has (derived, so it is the same on every run).
UNKNOWN_HASH = hashlib.sha256(b"laas-check --probe: no such preset").hexdigest()
EXIT_OK, EXIT_STOPPED, EXIT_NOT_CONFIGURED, EXIT_DISAGREE = 0, 1, 2, 3


# --- what a call is and what came back ------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str  # GET (preset info) or POST (chat)
    url: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None


@dataclass
class Outcome:
    status: int | None = None
    content_type: str = ""
    text: str = ""  # at most MAX_BODY bytes, decoded
    data: Any = None  # the JSON body, when it is JSON
    error: str | None = None  # a transport failure (no HTTP answer)
    seconds: float = 0.0

    @property
    def answer(self) -> dict[str, Any] | None:
        """The answer when it has a usable first choice."""
        data = self.data
        if not isinstance(data, dict):
            return None
        choices = data.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            return data
        return None

    @property
    def message(self) -> dict[str, Any]:
        answer = self.answer
        message = answer["choices"][0].get("message") if answer else None
        return message if isinstance(message, dict) else {}

    @property
    def content(self) -> str:
        try:
            return content_text(self.message.get("content"))
        except ValueError:
            return ""

    @property
    def finish_reason(self) -> Any:
        answer = self.answer
        return answer["choices"][0].get("finish_reason") if answer else None

    @property
    def completion_tokens(self) -> int | None:
        usage = self.data.get("usage") if isinstance(self.data, dict) else None
        if not isinstance(usage, dict):
            return None
        value = usage.get("completion_tokens", usage.get("output_tokens"))
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def sse(self) -> bool:
        return "text/event-stream" in self.content_type or self.text.lstrip().startswith("data:")


@dataclass(frozen=True)
class Target:
    """Where the probe sends its calls; the secrets stay here and are masked in the report."""

    settings: LaaSSettings
    image_url: str = DEFAULT_IMAGE_URL
    pdf_url: str = DEFAULT_PDF_URL

    @property
    def preset_hash(self) -> str:
        return self.settings.preset_hash.get_secret_value()

    def chat(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> Call:
        return Call("POST", self.settings.chat_url, headers or self.settings.headers(), body)

    def secrets(self) -> tuple[str, ...]:
        return (*self.settings.secrets(), WRONG_KEY)


# --- rows ----------------------------------------------------------------------------------

Judge = Callable[[Outcome], tuple[str, str]]


@dataclass(frozen=True)
class Check:
    """One report row, judged from one call's outcome."""

    id: str
    topic: str  # the row of docs/assumptions.md it settles
    assumed: str
    judge: Judge
    plugin: Callable[[Outcome], str]


@dataclass(frozen=True)
class Probe:
    name: str
    build: Callable[[Target], Call]
    checks: tuple[Check, ...]
    max_tokens: int = 0  # 0: no tokens are spent (preset info, errors)
    input_tokens: int = 0  # our own input, estimated (the preset's prompt comes on top)
    own_credentials: bool = True  # a 401/403 means your credentials are refused: stop


@dataclass
class Row:
    id: str
    topic: str
    assumed: str
    observed: str = "not run"
    verdict: str = UNKNOWN
    plugin: str = ""
    status: int | None = None


@dataclass
class Report:
    started: str
    api_base: str
    calls_planned: int
    completion_token_bound: int
    input_token_estimate: int
    calls_made: int = 0
    tokens_used: int = 0
    stopped: str | None = None  # why the run ended early
    skipped: str | None = None  # why the calls that spend tokens ended early
    rows: list[Row] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {v: sum(r.verdict == v for r in self.rows) for v in (AGREE, DISAGREE, UNKNOWN)}

    def exit_status(self) -> int:
        if any(r.verdict == DISAGREE for r in self.rows):
            return EXIT_DISAGREE
        return EXIT_STOPPED if self.stopped or self.skipped else EXIT_OK


# --- judging helpers -----------------------------------------------------------------------


def snippet(text: str, size: int = SNIPPET) -> str:
    one_line = " ".join(str(text).split())
    return one_line if len(one_line) <= size else one_line[: size - 1] + "…"


def error_message(o: Outcome) -> str:
    data = o.data
    if isinstance(data, dict):
        for key in ("message", "error", "detail"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value:
                return snippet(value)
    return snippet(o.text) or "empty body"


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


# --- what the plugin does for the same case --------------------------------------------------


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


# --- the probes ----------------------------------------------------------------------------


def user(content: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": content}]


def chat_body(target: Target, messages: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    return {"hash": target.preset_hash, "params": {}, "messages": messages, **keys}


def estimate(messages: list[dict[str, Any]], images: int = 0, pdf_pages: int = 0) -> int:
    """Our own input tokens, roughly: 4 characters a token, 4 a message, media allowances."""
    text = ""
    for message in messages:
        content = message["content"]
        parts = [{"text": content}] if isinstance(content, str) else content
        text += " ".join(p.get("text", "") for p in parts)
    return len(text) // 4 + 4 * len(messages) + images * IMAGE_TOKENS + pdf_pages * PDF_PAGE_TOKENS


def chat_probe(
    name: str,
    messages: list[dict[str, Any]],
    checks: tuple[Check, ...],
    max_tokens: int,
    keys: dict[str, Any] | None = None,
    images: int = 0,
    pdf_pages: int = 0,
) -> Probe:
    extra = dict(keys or {})

    def build(target: Target) -> Call:
        return target.chat(chat_body(target, messages, max_tokens=max_tokens, **extra))

    return Probe(name=name, build=build, checks=checks, max_tokens=max_tokens,
                 input_tokens=estimate(messages, images, pdf_pages))  # fmt: skip


def row_plugin(probe_openai: tuple[list[dict[str, Any]], dict[str, Any]], note: str = ""):
    messages, params = probe_openai
    return fixed(plugin_request(messages, params, note))


def text_parts(text: str) -> list[dict[str, Any]]:
    # What the plugin sends: every probe but `content_string` uses a list of parts.
    return user([{"type": "text", "text": text}])


PONG_STRING = user("Reply with the single word: pong")
PONG = text_parts("Reply with the single word: pong")
COUNT = text_parts("Count from 1 to 30, separated by spaces.")
LIST_TURNS = [
    {"role": "system", "content": [{"type": "text", "text": "Answer in one word."}]},
    {"role": "user", "content": [{"type": "text", "text": "Say ping."}]},
    {"role": "assistant", "content": [{"type": "text", "text": "ping"}]},
    {"role": "user", "content": [{"type": "text", "text": "Now say pong."}]},
]
JSON_ASK = text_parts("Greet me in a few words. (JSON mode may be on.)")
STOP_ASK = text_parts("Say: alpha bravo charlie delta")
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
TOOL_ASK = text_parts("What is the weather in Seoul right now? Use the get_weather tool.")
COLOUR_QUESTION = "What colour is this image? One word."


def image_message(url: str, question: str = COLOUR_QUESTION) -> list[dict[str, Any]]:
    return user(
        [{"type": "text", "text": question}, {"type": "image_url", "image_url": {"url": url}}]
    )


def pdf_message(url: str) -> list[dict[str, Any]]:
    return user(
        [
            {"type": "text", "text": "What is the code word in the document? One word."},
            {"type": "document", "document_url": {"url": url}},
        ]
    )


def pdf_openai(url: str) -> list[dict[str, Any]]:
    return user(
        [
            {"type": "text", "text": "What is the code word in the document? One word."},
            {"type": "file", "file": {"file_data": url}},
        ]
    )


def build_probes(image_url: str = DEFAULT_IMAGE_URL, pdf_url: str = DEFAULT_PDF_URL) -> list[Probe]:
    """The fixed, ordered list of probes (each one call). Media are made here, locally."""
    media = {
        "png": probe_media.data_url("image/png", probe_media.png()),
        "jpeg": probe_media.data_url("image/jpeg", probe_media.jpeg()),
        "webp": probe_media.data_url("image/webp", probe_media.webp()),
        "gif": probe_media.data_url("image/gif", probe_media.gif()),
        "pdf": probe_media.data_url("application/pdf", probe_media.pdf()),
    }
    response_rows = (
        Check("headers", "headers", "`project` and `apiKey` headers are all it takes (no Bearer)",
              judge_headers, fixed("sends exactly these headers")),
        Check("answer_content", "`content` in the answer", "a string or a list of text parts",
              needs_answer(judge_content),
              lambda o: plugin_answer(o, lambda a: f"reads it as {snippet(o.content, 30)!r}")),
        Check("finish_reason", "`finish_reason`",
              "an OpenAI value, or one the plugin maps (`end_turn`, `max_tokens`, ...)",
              needs_answer(judge_finish),
              lambda o: plugin_answer(o, lambda a: "reports "
                                      + repr(FINISH_REASONS.get(str(o.finish_reason).lower(), "stop")))),
        Check("created", "`created`", "milliseconds (13 digits), as seen on LaaS's successor",
              needs_answer(judge_created),
              lambda o: plugin_answer(o, lambda a: f"reports {created_seconds(a.get('created'))} (seconds)")),
        Check("model", "`model` in the answer", "a string naming the backend model (`openai/gpt-5`)",
              needs_answer(judge_model),
              fixed("reports the model name the client asked for instead")),
        Check("usage", "usage", "`prompt_tokens`, `completion_tokens`, `total_tokens`",
              needs_answer(judge_usage),
              fixed("reads those (or `input_tokens`/`output_tokens`); estimates when absent")),
    )  # fmt: skip
    probes = [
        Probe("preset_info", lambda t: Call("GET", t.settings.preset_url(), t.settings.headers()),
              (Check("preset_info", "preset info",
                     "`GET /api/preset/{hash}` answers 200 for the configured preset",
                     judge_preset_info, fixed("only `laas-check` uses it, for its status")),)),
        chat_probe("max_tokens", COUNT, (
            Check("max_tokens", "`finish_reason`",
                  "`max_tokens` cuts the answer; `finish_reason` is `length` (or `max_tokens`)",
                  judge_max_tokens(8),
                  row_plugin((COUNT, {"max_tokens": 8}), "forwards max_tokens as it is")),
            *response_rows), max_tokens=8),
        chat_probe("content_string", PONG_STRING, (
            Check("content_string", "content", "`content` as a string is accepted",
                  expect_accepted, row_plugin((PONG_STRING, {"max_tokens": 16}))),),
            max_tokens=16),
        chat_probe("content_list", LIST_TURNS, (
            Check("content_list", "content",
                  "`content` as a list of text parts is accepted (system, user, assistant)",
                  expect_accepted, row_plugin((LIST_TURNS, {"max_tokens": 16}))),), max_tokens=16),
        chat_probe("response_format", JSON_ASK, (
            Check("response_format", "sampling parameters",
                  "`response_format: json_object` is honoured: the answer is a JSON object",
                  needs_answer(judge_json),
                  row_plugin((JSON_ASK, {"max_tokens": 32,
                                         "response_format": {"type": "json_object"}}))),),
            max_tokens=32, keys={"response_format": {"type": "json_object"}}),
        chat_probe("stop", STOP_ASK, (
            Check("stop", "sampling parameters",
                  f"`stop` is honoured: the answer ends before {STOP_WORD!r}",
                  needs_answer(judge_stop),
                  row_plugin((STOP_ASK, {"max_tokens": 48, "stop": [STOP_WORD]}))),),
            max_tokens=48, keys={"stop": [STOP_WORD]}),
        chat_probe("temperature", PONG, (
            Check("temperature", "sampling parameters",
                  "`temperature` is accepted top-level (its effect is not documented)",
                  judge_temperature,
                  row_plugin((PONG, {"max_tokens": 16, "temperature": 0}))),),
            max_tokens=16, keys={"temperature": 0}),
        chat_probe("stream", PONG, (
            Check("stream", "streaming",
                  "no streaming: `stream: true` is refused or ignored (one JSON answer)",
                  judge_stream,
                  row_plugin((PONG, {"max_tokens": 16, "stream": True}),
                             "fakes the stream from one answer")),),
            max_tokens=16, keys={"stream": True}),
        chat_probe("tools", TOOL_ASK, (
            Check("tools", "roles",
                  "no native function calling: `tools` refused or ignored, no `tool_calls`",
                  judge_tools,
                  row_plugin((TOOL_ASK, {"max_tokens": 32, "tools": [WEATHER_TOOL]}))),),
            max_tokens=32, keys={"tools": [WEATHER_TOOL]}),
    ]  # fmt: skip

    def image_probe(name: str, url: str, assumed: str, judge: Judge, note: str = "") -> Probe:
        shown = image_message(url)
        return chat_probe(name, shown, (Check(name, "images and PDFs", assumed, judge,
                                              row_plugin((shown, {"max_tokens": 16}), note)),),
                          max_tokens=16, images=1)  # fmt: skip

    probes += [
        image_probe("image_url", image_url, "an https image URL is accepted", judge_image),
        image_probe("image_png", media["png"], "a base64 PNG data URL is accepted", judge_image),
        image_probe("image_jpeg", media["jpeg"], "a base64 JPEG data URL is accepted", judge_image),
        image_probe("image_webp", media["webp"], "WebP is refused (JPEG and PNG only)",
                    expect_refused),
        image_probe("image_gif", media["gif"], "GIF is refused (JPEG and PNG only)",
                    expect_refused),
        chat_probe("pdf", pdf_message(media["pdf"]), (
            Check("pdf", "images and PDFs", "a one-page base64 PDF `document` part is accepted",
                  expect_accepted,
                  row_plugin((pdf_openai(media["pdf"]), {"max_tokens": 16}),
                             "an OpenAI `file` part becomes this `document` part")),),
            max_tokens=16, pdf_pages=1),
        chat_probe("pdf_url", pdf_message(pdf_url), (
            Check("pdf_url", "PDF by URL, `file_id`", "a PDF by https URL is refused (base64 only)",
                  expect_refused, row_plugin((pdf_openai(pdf_url), {"max_tokens": 16}))),),
            max_tokens=16, pdf_pages=1),
        Probe("error_unknown_hash",
              lambda t: t.chat({"hash": UNKNOWN_HASH, "params": {}, "messages": PONG,
                                "max_tokens": 16}),
              (Check("error_unknown_hash", "error body",
                     "an unknown hash gets a 4xx with JSON `message` (or `error`/`detail`)",
                     judge_error(None), plugin_error),),
              own_credentials=False),
        Probe("error_bad_key",
              lambda t: t.chat(chat_body(t, PONG, max_tokens=16),
                               {**t.settings.headers(), "apiKey": WRONG_KEY}),
              (Check("error_bad_key", "error body",
                     "a wrong `apiKey` gets 401 or 403 with JSON `message` (or `error`/`detail`)",
                     judge_error((401, 403)), plugin_error),),
              own_credentials=False),
    ]  # fmt: skip
    assert len(probes) <= MAX_CALLS
    return probes


# --- running -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    calls: int
    spending_calls: int
    completion_tokens: int
    input_tokens: int

    def describe(self) -> str:
        return (
            f"{self.calls} calls, each sent once ({self.spending_calls} ask for an answer); "
            f"at most {self.completion_tokens} completion tokens (max_tokens on every call); "
            f"about {self.input_tokens} input tokens of ours (images counted as "
            f"{IMAGE_TOKENS}, the PDF page as {PDF_PAGE_TOKENS}), plus your preset's own "
            f"prompt on each of the {self.spending_calls} calls"
        )


def budget(probes: list[Probe]) -> Budget:
    spending = [p for p in probes if p.max_tokens]
    return Budget(
        calls=len(probes),
        spending_calls=len(spending),
        completion_tokens=sum(p.max_tokens for p in spending),
        input_tokens=sum(p.input_tokens for p in spending),
    )


def send(call: Call, timeout: float, http_client: httpx.Client | None = None) -> Outcome:
    """One call, no retries; reads at most MAX_BODY bytes of the answer."""
    started = time.monotonic()
    outcome = Outcome()
    content = None if call.body is None else json.dumps(call.body).encode()
    session = http_client or httpx.Client()
    try:
        with session.stream(call.method, call.url, headers=call.headers, content=content,
                            timeout=client.timeout(timeout)) as response:  # fmt: skip
            raw = bytearray()
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) >= MAX_BODY:
                    break
            outcome.status = response.status_code
            outcome.content_type = response.headers.get("content-type", "")
            outcome.text = bytes(raw[:MAX_BODY]).decode("utf-8", "replace")
    except httpx.HTTPError as exc:
        outcome.error = type(exc).__name__
    finally:
        if http_client is None:
            session.close()
    outcome.seconds = time.monotonic() - started
    try:
        outcome.data = json.loads(outcome.text) if outcome.text else None
    except ValueError:
        outcome.data = None
    return outcome


def rows_not_run(probe: Probe, why: str, target_rows: list[Row]) -> None:
    for check in probe.checks:
        target_rows.append(Row(check.id, check.topic, check.assumed, observed=why))


def run(
    probes: list[Probe], target: Target, sender: Callable[[Call], Outcome], report: Report
) -> Report:
    """Each probe once, in order. Stops at a 401/403/429 or no answer on your credentials."""
    for probe in probes:
        if report.stopped:
            rows_not_run(probe, f"not run: {report.stopped}", report.rows)
            continue
        if probe.max_tokens and report.skipped:
            rows_not_run(probe, f"not run: {report.skipped}", report.rows)
            continue
        outcome = sender(probe.build(target))
        report.calls_made += 1
        if outcome.completion_tokens:
            report.tokens_used += outcome.completion_tokens
        if probe.own_credentials and outcome.status in (401, 403):
            report.stopped = f"LaaS refused your credentials (HTTP {outcome.status})"
        elif probe.own_credentials and outcome.status == 429:
            report.stopped = "LaaS is rate limiting (HTTP 429)"
        elif outcome.status is None:
            report.stopped = f"LaaS did not answer ({outcome.error})"
        for check in probe.checks:
            if report.stopped:  # says nothing about the assumption itself
                verdict, observed = UNKNOWN, f"{http(outcome)}: {report.stopped}"
            else:
                verdict, observed = check.judge(outcome)
            report.rows.append(Row(check.id, check.topic, check.assumed, observed, verdict,
                                   plugin_says(check, outcome), outcome.status))  # fmt: skip
        used = outcome.completion_tokens
        if probe.max_tokens and used is not None and used > probe.max_tokens:
            report.skipped = (
                f"an answer had {used} completion tokens for max_tokens={probe.max_tokens}, "
                "so the token bound could not be kept"
            )
    return report


# --- reporting -----------------------------------------------------------------------------


def masker(secrets: tuple[str, ...]) -> Callable[[str], str]:
    patterns = [re.compile(re.escape(s), re.IGNORECASE) for s in sorted(
        {s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)]  # fmt: skip

    def mask(text: str) -> str:
        for pattern in patterns:
            text = pattern.sub("***", text)
        return text

    return mask


def masked(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {mask(str(k)): masked(v, mask) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v, mask) for v in value]
    return value


def public_base(api_base: str) -> str:
    parts = urlsplit(api_base)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def as_dict(report: Report) -> dict[str, Any]:
    data = asdict(report)
    data["counts"] = report.counts
    data["exit_status"] = report.exit_status()
    data["tool"] = "laas-check --probe"
    return data


def table(report: Report, width: int = 34) -> str:
    def cell(text: str, size: int) -> str:
        text = " ".join(str(text).split())
        return (text if len(text) <= size else text[: size - 1] + "…").ljust(size)

    lines = [f"{cell('row', 19)} {cell('assumed', width)} {cell('observed', width + 12)} verdict"]
    lines.append("-" * len(lines[0]))
    for row in report.rows:
        lines.append(f"{cell(row.id, 19)} {cell(row.assumed, width)} "
                     f"{cell(row.observed, width + 12)} {row.verdict}")  # fmt: skip
    return "\n".join(lines)


def markdown(report: Report) -> str:
    def esc(text: Any) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    counts = report.counts
    lines = [
        f"# LaaS conformance report ({report.started})",
        "",
        "Made by `laas-check --probe` (laas-provider). API key, project code and preset hash "
        "are masked (`***`).",
        "",
        f"- LaaS: {report.api_base}",
        f"- calls: {report.calls_made} of {report.calls_planned} planned; completion tokens "
        f"used: {report.tokens_used} (bound {report.completion_token_bound})",
        f"- verdicts: {counts[AGREE]} agree, {counts[DISAGREE]} disagree, "
        f"{counts[UNKNOWN]} unknown",
        f"- stopped early: {report.stopped or report.skipped}"
        if report.stopped or report.skipped
        else "- ran to the end",
        "",
        "| row | assumption (docs/assumptions.md) | what we assumed | what LaaS did | verdict "
        "| what the plugin does |",
        "|---|---|---|---|---|---|",
    ]
    for r in report.rows:
        lines.append(f"| {r.id} | {esc(r.topic)} | {esc(r.assumed)} | {esc(r.observed)} | "
                     f"**{r.verdict}** | {esc(r.plugin)} |")  # fmt: skip
    lines += ["", "`unknown`: the probe could not tell (not a failure). `disagree`: the service "
              "does not behave as assumed; see docs/assumptions.md for what the plugin does.", ""]  # fmt: skip
    return "\n".join(lines)


def write_files(report: Report, out_dir: Path, mask: Callable[[str], str]) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"laas-probe-{report.started[:10]}"
    n = 1
    while (out_dir / f"{stem}.json").exists() or (out_dir / f"{stem}.md").exists():
        n += 1
        stem = f"laas-probe-{report.started[:10]}-{n}"
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(masked(as_dict(report), mask), indent=2, ensure_ascii=False)
                         + "\n")  # fmt: skip
    md_path.write_text(mask(markdown(report)))
    return json_path, md_path


def confirm(assume_yes: bool, ask: Callable[[str], str] | None, interactive: bool) -> str | None:
    """None to go ahead, else why nothing will be sent."""
    if assume_yes:
        return None
    if not interactive or ask is None:
        return "no terminal to ask for confirmation; run again with --yes to spend them"
    try:
        answer = ask("Send them? [y/N] ")
    except EOFError:
        return "no answer; nothing sent"
    return None if answer.strip().lower() in ("y", "yes") else "declined; nothing sent"


def main(
    settings: LaaSSettings,
    out_dir: Path,
    assume_yes: bool = False,
    image_url: str = DEFAULT_IMAGE_URL,
    pdf_url: str = DEFAULT_PDF_URL,
    sender: Callable[[Call], Outcome] | None = None,
    ask: Callable[[str], str] | None = input,
    interactive: bool | None = None,
) -> int:
    target = Target(settings, image_url=image_url, pdf_url=pdf_url)
    mask = masker(target.secrets())
    probes = build_probes(image_url, pdf_url)
    plan = budget(probes)
    print(mask(f"laas-check --probe: LaaS at {public_base(settings.api_base)}"))
    print(f"laas-check --probe: plan: {plan.describe()}.")
    why_not = confirm(assume_yes, ask, sys.stdin.isatty() if interactive is None else interactive)
    if why_not:
        print(f"laas-check --probe: {why_not}.", file=sys.stderr)
        return EXIT_STOPPED
    report = Report(
        started=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        api_base=public_base(settings.api_base),
        calls_planned=plan.calls,
        completion_token_bound=plan.completion_tokens,
        input_token_estimate=plan.input_tokens,
    )
    run(probes, target, sender or (lambda call: send(call, settings.timeout)), report)
    print(mask(table(report)))
    counts = report.counts
    print(f"laas-check --probe: {report.calls_made} calls made, {report.tokens_used} completion "
          f"tokens used; {counts[AGREE]} agree, {counts[DISAGREE]} disagree, "
          f"{counts[UNKNOWN]} unknown.")  # fmt: skip
    if report.stopped or report.skipped:
        print(mask(f"laas-check --probe: stopped: {report.stopped or report.skipped}."),
              file=sys.stderr)  # fmt: skip
    json_path, md_path = write_files(report, out_dir, mask)
    print(f"laas-check --probe: report written to {json_path} and {md_path}")
    return report.exit_status()
