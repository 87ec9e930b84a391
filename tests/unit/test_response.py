"""LaaS answer -> ModelResponse (pure)."""

from __future__ import annotations

import time

import pytest

from laas_provider.transform import AnswerError, to_model_response


def answer(**overrides):
    base = {
        "id": "laas-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-x",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }  # fmt: skip
    base.update(overrides)
    return base


def test_plain_answer_maps_every_field():
    r = to_model_response(answer(), "laas-chat")
    assert r.id == "laas-1"
    assert r.created == 1_700_000_000
    assert r.model == "laas-chat"
    assert r.choices[0].message.content == "Hi!"
    assert r.choices[0].message.role == "assistant"
    assert r.choices[0].finish_reason == "stop"
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (7, 3, 10)


def test_content_as_list_of_parts_is_joined():
    content = [{"type": "text", "text": "Hello, "}, {"type": "text", "text": "world"}]
    a = answer(choices=[{"message": {"role": "assistant", "content": content, "tool_calls": []}}])
    assert to_model_response(a, "m").choices[0].message.content == "Hello, world"


def test_millisecond_created_is_normalised_to_seconds():
    assert to_model_response(answer(created=1_763_000_000_123), "m").created == 1_763_000_000


def test_missing_created_uses_now():
    before = int(time.time())
    assert to_model_response(answer(created=None), "m").created >= before


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("stop", "stop"), ("length", "length"), ("end_turn", "stop"), ("max_tokens", "length"),
     ("STOP", "stop"), (None, "stop"), ("weird", "stop"), ("content_filter", "content_filter")],
)  # fmt: skip
def test_finish_reason_maps_to_openai_values(raw, expected):
    a = answer(choices=[{"message": {"content": "x"}, "finish_reason": raw}])
    assert to_model_response(a, "m").choices[0].finish_reason == expected


@pytest.mark.parametrize(
    "bad",
    [{"id": "x"}, {"choices": []}, {"choices": None}, {"choices": ["nope"]}, [], "text"],
)
def test_answer_without_choices_is_an_answer_error_not_keyerror(bad):
    with pytest.raises(AnswerError, match=r"choices|JSON object"):
        to_model_response(bad, "m")


def test_choice_without_message_is_an_answer_error():
    with pytest.raises(AnswerError, match="message"):
        to_model_response(answer(choices=[{"finish_reason": "stop"}]), "m")


def test_extra_top_level_keys_are_tolerated():
    a = answer(
        connector_results=[],
        connector_result_yn="N",
        session_id="s",
        object="chat.completion.chunk",
    )
    assert to_model_response(a, "m").choices[0].message.content == "Hi!"


def test_usage_total_is_computed_when_missing():
    r = to_model_response(answer(usage={"prompt_tokens": 2, "completion_tokens": 5}), "m")
    assert r.usage.total_tokens == 7
