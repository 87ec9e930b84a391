"""The OpenAI parameter table and preset variables (pure)."""

from __future__ import annotations

import pytest

from laas_provider.errors import InputError
from laas_provider.transform import build_body, plan
from laas_provider.transform.params import (
    FORWARDED,
    IGNORED,
    QUIET,
    REFUSED,
    flatten,
    ignorable,
    not_sent,
    preset_params,
    to_laas_options,
)


@pytest.mark.parametrize("name", [n for n in FORWARDED if n not in ("max_tokens", "stop")])
def test_sampling_numbers_are_forwarded(name):
    assert to_laas_options({name: 0.5}) == {name: 0.5}


@pytest.mark.parametrize("name", sorted(QUIET))
def test_the_proxys_own_keys_and_infrastructure_hints_are_not_sent_nor_named(name):
    assert to_laas_options({name: "anything"}) == {}
    assert not_sent({name: "anything"}) == []


@pytest.mark.parametrize("name", sorted(IGNORED))
def test_what_laas_cannot_honour_but_cannot_spoil_an_answer_is_ignored_and_named(name):
    # pi sends reasoning_effort, Claude Code thinking, Codex the Responses API's reasoning.
    asked = {name: {"effort": "high"} if name in ("reasoning", "thinking") else "medium"}
    assert to_laas_options(asked) == {}
    assert not_sent(asked) == [name]
    assert ignorable(asked) == [name]


def test_the_infos_names_come_in_the_requests_order_with_the_forwarded_keys_sent():
    asked = {"seed": 7, "temperature": 0.2, "reasoning_effort": "low", "user": "u", "n": 1}
    assert to_laas_options(asked) == {"temperature": 0.2}
    assert not_sent(asked) == ["seed", "reasoning_effort"]
    assert ignorable(asked) == ["seed", "reasoning_effort"]


@pytest.mark.parametrize(
    "template", [{"enable_thinking": False}, {"thinking": True, "reasoning_effort": "low"}, {}]
)
def test_chat_template_kwargs_that_only_switch_thinking_are_ignored(template):
    asked = {"chat_template_kwargs": template}
    assert to_laas_options(asked) == {}
    assert not_sent(asked) == ignorable(asked) == ["chat_template_kwargs"]


def test_other_chat_template_kwargs_are_refused_naming_the_variable():
    asked = {"chat_template_kwargs": {"enable_thinking": False, "documents": [1]}}
    assert ignorable(asked) == []  # left to the handler, which refuses it
    with pytest.raises(InputError) as caught:
        to_laas_options(asked)
    assert caught.value.place == "chat_template_kwargs.documents"
    assert "Leave it out" in caught.value.problem
    assert to_laas_options(asked, drop_params=True) == {}
    assert not_sent(asked, drop_params=True) == ["chat_template_kwargs"]


@pytest.mark.parametrize(
    "asked",
    [{"n": 1}, {"modalities": ["text"]}, {"logprobs": False}, {"top_logprobs": 0},
     {"logit_bias": {}}],
)  # fmt: skip
def test_a_refusable_key_asking_for_nothing_is_ignored_silently(asked):
    assert to_laas_options(asked) == {}
    assert not_sent(asked) == []


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_every_refusal_names_a_remedy(name):
    value = {"logprobs": True, "top_logprobs": 3, "n": 2, "modalities": ["audio"]}.get(
        name, {"x": 1}
    )
    with pytest.raises(InputError) as caught:
        to_laas_options({name: value})
    assert caught.value.place == name
    assert any(w in caught.value.problem for w in ("leave it out", "send", "must be")), caught.value
    assert "allowed_openai_params" not in caught.value.problem


def test_an_unknown_key_is_refused_with_the_way_to_drop_it():
    with pytest.raises(InputError) as caught:
        to_laas_options({"top_k": 5})
    assert caught.value.place == "top_k"
    assert "leave it out" in caught.value.problem and "drop_params: true" in caught.value.problem


@pytest.mark.parametrize(
    ("asked", "limit", "sent"),
    [(64000, 8192, 8192), (8192, 8192, 8192), (100, 8192, 100), (64000, None, 64000)],
)
def test_max_tokens_above_the_deployments_limit_is_lowered_to_it(asked, limit, sent):
    assert to_laas_options({"max_tokens": asked}, max_output_tokens=limit) == {"max_tokens": sent}
    body = build_body("h", [], {"max_tokens": asked}, max_output_tokens=limit)
    assert body["max_tokens"] == sent


@pytest.mark.parametrize("bad", [0, -5, 1.5, "64000", True])
def test_max_tokens_below_1_or_not_an_integer_stays_a_400_under_a_limit(bad):
    with pytest.raises(InputError) as caught:
        to_laas_options({"max_tokens": bad}, max_output_tokens=8192)
    assert caught.value.place == "max_tokens"


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"max_tokens": 10}, {"max_tokens": 10}),
        ({"stop": "x"}, {"stop": ["x"]}),
        ({"stop": ["a", "b"]}, {"stop": ["a", "b"]}),
        ({"n": 1}, {}),
        ({"modalities": ["text"]}, {}),
        ({"temperature": None}, {}),
    ],
)  # fmt: skip
def test_mapped_values(params, body):
    assert to_laas_options(params) == body


@pytest.mark.parametrize(
    ("params", "place"),
    [
        ({"functions": []}, "functions"),
        ({"function_call": "auto"}, "function_call"),
        ({"n": 3}, "n"),
        ({"n": "2"}, "n"),
        ({"logprobs": True}, "logprobs"),
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        ({"web_search_options": {}}, "web_search_options"),
        ({"modalities": ["text", "audio"]}, "modalities"),
        ({"top_logprobs": 2}, "top_logprobs"),
        ({"audio": {}}, "audio"),
        ({"temperature": "hot"}, "temperature"),
        ({"temperature": True}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"max_tokens": 1.5}, "max_tokens"),
        ({"stop": [1]}, "stop[0]"),
        ({"made_up": 1}, "made_up"),
    ],
)
def test_refused_parameters_name_themselves(params, place):
    with pytest.raises(InputError) as caught:
        to_laas_options(params)
    assert caught.value.place == place


def test_drop_params_drops_what_would_be_refused_but_keeps_type_checks():
    asked = {"tools": [], "logprobs": True, "top_p": 0.2}
    assert to_laas_options(asked, drop_params=True) == {"top_p": 0.2}
    assert not_sent(asked, drop_params=True) == ["logprobs"]  # named in the INFO line
    assert to_laas_options({"response_format": {"type": "json_schema"}}, drop_params=True) == {}
    with pytest.raises(InputError):
        to_laas_options({"temperature": "hot"}, drop_params=True)


# response_format is decided by the tool plan (transform/tools/plan.py), not by the table.
def test_response_format_text_and_json_object_are_forwarded_as_asked():
    asked = {"response_format": {"type": "json_object", "extra": 1}}
    assert plan(asked, emulation=False).response_format == {"type": "json_object"}
    body = build_body("h", [], asked)
    assert body["response_format"] == {"type": "json_object"}
    assert to_laas_options(asked) == {}  # the table leaves it to the plan


def test_unknown_response_format_is_refused_or_dropped_with_drop_params():
    asked = {"response_format": {"type": "grammar"}}
    with pytest.raises(InputError) as caught:
        build_body("h", [], asked)
    assert caught.value.place == "response_format"
    assert "response_format" not in build_body("h", [], asked, drop_params=True)


def test_flatten_lifts_extra_body_like_the_proxy_does():
    assert flatten({"temperature": 1, "extra_body": {"params": {"a": "b"}}}) == {
        "temperature": 1,
        "params": {"a": "b"},
    }


def test_request_params_merge_over_deployment_preset_params():
    merged = preset_params({"preset_params": {"a": "1", "b": "2"}, "params": {"b": "3", "c": 4}})
    assert merged == {"a": "1", "b": "3", "c": "4"}


@pytest.mark.parametrize(
    ("value", "text"), [(True, "true"), (False, "false"), (3, "3"), (2.5, "2.5"), ("한글", "한글")]
)
def test_param_values_become_strings(value, text):
    assert preset_params({"params": {"k": value}}) == {"k": text}


@pytest.mark.parametrize(
    ("params", "place"),
    [({"params": {"k": [1]}}, "params.k"), ({"params": {"k": None}}, "params.k"), ({"params": "x"}, "params"),
     ({"preset_params": {"k": {}}}, "preset_params.k")],
)  # fmt: skip
def test_bad_param_values_are_refused_naming_the_key(params, place):
    with pytest.raises(InputError) as caught:
        preset_params(params)
    assert caught.value.place == place


def test_a_stop_list_with_a_non_string_names_the_item():
    with pytest.raises(InputError) as caught:
        build_body("h", [{"role": "user", "content": "hi"}], {"stop": ["END", 7]})
    assert (caught.value.place, caught.value.problem) == (
        "stop[1]",
        "must be a string, not a number",
    )
