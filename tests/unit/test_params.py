"""The OpenAI parameter table and preset variables (pure)."""

from __future__ import annotations

import pytest

from laas_provider.errors import InputError
from laas_provider.transform import build_body, plan
from laas_provider.transform.params import (
    FORWARDED,
    IGNORED,
    flatten,
    preset_params,
    to_laas_options,
)


@pytest.mark.parametrize("name", [n for n in FORWARDED if n not in ("max_tokens", "stop")])
def test_sampling_numbers_are_forwarded(name):
    assert to_laas_options({name: 0.5}) == {name: 0.5}


@pytest.mark.parametrize("name", sorted(IGNORED))
def test_ignored_parameters_are_not_sent(name):
    assert to_laas_options({name: "anything"}) == {}


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
        ({"logprobs": True}, "logprobs"),
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
    assert to_laas_options({"tools": [], "seed": 1, "top_p": 0.2}, drop_params=True) == {
        "top_p": 0.2
    }
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
