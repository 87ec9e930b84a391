"""Fuzzing the pure translation with hypothesis: any OpenAI-shaped or mis-shaped request
gives a valid LaaS body or an InputError (a 400), never another exception; any answer gives
a ModelResponse or an AnswerError (a 502)."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from laas_provider.errors import InputError
from laas_provider.transform import AnswerError, build_body, flatten, to_model_response
from laas_provider.transform.messages import ROLES

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(max_size=200) | st.text(alphabet=st.characters(min_codepoint=0x80), max_size=50)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text
garbage = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
b64 = st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode())
bad_b64 = st.text(alphabet="abc!@#=\n ", min_size=1, max_size=40)
data_url = st.builds(
    lambda mime, payload: f"data:{mime};base64,{payload}",
    st.sampled_from(["image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain", ""]),
    b64 | bad_b64,
)
url = data_url | st.sampled_from(
    ["https://example.com/a.png", "http://x/y.jpg", "ftp://x", "file:///etc/passwd", ""]
)

part = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": text | garbage}),
    st.fixed_dictionaries(
        {"type": st.just("image_url"), "image_url": st.fixed_dictionaries({"url": url}) | garbage}
    ),
    st.fixed_dictionaries(
        {"type": st.just("file"), "file": st.fixed_dictionaries({"file_data": data_url}) | garbage}
    ),
    st.fixed_dictionaries(
        {"type": st.just("document"), "document_url": st.fixed_dictionaries({"url": url})}
    ),
    st.dictionaries(st.sampled_from(["type", "text", "image_url"]), garbage, max_size=3),
    garbage,
)
message = st.one_of(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from([*ROLES, "tool", "function", "bot", ""]),
            "content": text | st.lists(part, max_size=5) | garbage,
        },
        optional={"name": text, "tool_calls": garbage},
    ),
    garbage,
)
messages = st.lists(message, max_size=6) | garbage
optional_params = st.dictionaries(
    st.sampled_from(["temperature", "top_p", "max_tokens", "stop", "response_format", "n", "tools", "params",
                     "preset_params", "seed", "user", "extra_body", "stream", "modalities", "weird"]),
    garbage | st.floats() | st.integers(),
    max_size=5,
)  # fmt: skip


def assert_valid_laas_body(body: dict) -> None:
    json.dumps(body, allow_nan=False)  # valid JSON as sent (no NaN/Infinity)
    assert isinstance(body["hash"], str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in body["params"].items())
    for m in body["messages"]:
        assert m["role"] in ("system", "user", "assistant")
        for p in m["content"]:
            assert p["type"] in ("text", "image_url", "document")
            if p["type"] == "text":
                assert isinstance(p["text"], str)


@FUZZ
@given(messages=messages, params=optional_params, drop=st.booleans())
def test_any_request_gives_a_laas_body_or_a_400(messages, params, drop):
    try:
        body = build_body(
            "h" * 64, messages, flatten(params) if isinstance(params, dict) else params, drop
        )
    except InputError as exc:
        assert str(exc)  # says what is wrong
        return
    assert_valid_laas_body(body)


@FUZZ
@given(
    name=st.sampled_from(
        ["temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens", "stop"]
    ),
    value=st.floats() | st.integers() | garbage,
)
def test_any_sampling_value_is_sent_as_valid_json_or_refused(name, value):
    try:
        body = build_body("h", [{"role": "user", "content": "x"}], {name: value})
    except InputError as exc:
        assert exc.place == name or exc.place.startswith(f"{name}[")  # the list item, for stop
        return
    assert_valid_laas_body(body)


answers = st.one_of(
    garbage,
    st.fixed_dictionaries(
        {"choices": st.lists(st.fixed_dictionaries({"message": st.fixed_dictionaries({"content": garbage}) | garbage,
                                                    "finish_reason": garbage}) | garbage, max_size=2) | garbage},
        optional={"created": garbage | st.floats() | st.integers(), "usage": garbage | st.fixed_dictionaries({"prompt_tokens": garbage, "completion_tokens": garbage}),
                  "id": garbage},
    ),
)  # fmt: skip


@FUZZ
@given(answer=answers)
def test_any_answer_gives_a_model_response_or_an_upstream_error(answer):
    try:
        response = to_model_response(answer, "m", None, [])
    except AnswerError:
        return
    assert isinstance(response.choices[0].message.content, str)
    assert response.choices[0].finish_reason in (
        "stop",
        "length",
        "content_filter",
        "tool_calls",
        "function_call",
    )
    assert 0 <= response.usage.prompt_tokens <= response.usage.total_tokens
    assert 0 < response.created < 32_503_680_000
    json.dumps(response.model_dump(), default=str)
