"""The fixed, ordered list of probes, each with its checks (what the plugin does is plugin.py)."""

from __future__ import annotations

from typing import Any

from ..transform.response import FINISH_REASONS, created_seconds
from . import media as probe_media
from .judges import (
    STOP_WORD,
    expect_accepted,
    expect_refused,
    judge_content,
    judge_created,
    judge_error,
    judge_finish,
    judge_headers,
    judge_image,
    judge_json,
    judge_max_tokens,
    judge_model,
    judge_preset_info,
    judge_stop,
    judge_stream,
    judge_temperature,
    judge_tools,
    judge_usage,
    needs_answer,
    snippet,
    stream_advice,
)
from .model import (
    DEFAULT_IMAGE_URL,
    DEFAULT_PDF_URL,
    IMAGE_TOKENS,
    MAX_CALLS,
    PDF_PAGE_TOKENS,
    UNKNOWN_HASH,
    WRONG_KEY,
    Call,
    Check,
    Judge,
    Probe,
    Target,
)
from .plugin import fixed, plugin_answer, plugin_error, row_plugin


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
# What the plugin's adaptation does with an image format LaaS may not take (in words: the
# report's advice, advice.py, says whether to list it).
FORMAT_ADAPTED = ("converts {0} to JPEG or PNG, unless the deployment's `image_formats` "
                  "lists `{1}`: then it is sent as it is")  # fmt: skip


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
                  judge_stream, stream_advice),),
            max_tokens=16, keys={"stream": True}),
        chat_probe("tools", TOOL_ASK, (
            Check("tools", "roles",
                  "no native function calling: `tools` refused or ignored, no `tool_calls`",
                  judge_tools,
                  row_plugin((TOOL_ASK, {"max_tokens": 32, "tools": [WEATHER_TOOL]}))),),
            max_tokens=32, keys={"tools": [WEATHER_TOOL]}),
    ]  # fmt: skip

    def image_probe(name: str, url: str, assumed: str, judge: Judge, plugin: str = "") -> Probe:
        shown = image_message(url)
        does = fixed(plugin) if plugin else row_plugin((shown, {"max_tokens": 16}))
        return chat_probe(name, shown, (Check(name, "images and PDFs", assumed, judge, does),),
                          max_tokens=16, images=1)  # fmt: skip

    probes += [
        image_probe("image_url", image_url, "an https image URL is accepted", judge_image),
        image_probe("image_png", media["png"], "a base64 PNG data URL is accepted", judge_image),
        image_probe("image_jpeg", media["jpeg"], "a base64 JPEG data URL is accepted", judge_image),
        # Cheap (one 16 px image each), so in the default run: they settle `image_formats`.
        image_probe("image_webp", media["webp"], "WebP is refused (JPEG and PNG only)",
                    expect_refused, FORMAT_ADAPTED.format("WebP", "webp")),
        image_probe("image_gif", media["gif"], "GIF is refused (JPEG and PNG only)",
                    expect_refused, FORMAT_ADAPTED.format("GIF", "gif")),
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
              max_tokens=16, own_credentials=False),
        Probe("error_bad_key",
              lambda t: t.chat(chat_body(t, PONG, max_tokens=16),
                               {**t.settings.headers(), "apiKey": WRONG_KEY}),
              (Check("error_bad_key", "error body",
                     "a wrong `apiKey` gets 401 or 403 with JSON `message` (or `error`/`detail`)",
                     judge_error((401, 403)), plugin_error),),
              max_tokens=16, own_credentials=False),
    ]  # fmt: skip
    assert len(probes) <= MAX_CALLS
    return probes
