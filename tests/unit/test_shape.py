"""The request guard's pure shape check: every malformed request of the corpus is refused
naming its field; well-formed requests (tool turns included) pass; nothing else is raised."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from laas_provider.errors import InputError
from laas_provider.proxy import shape
from laas_provider.proxy.shape import check_chat_request

from ..malformed import CALL, CORPUS, OTHER_DOORS, USER


@pytest.mark.parametrize(("body", "field"), [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_each_malformed_request_is_refused_naming_its_field(body, field):
    with pytest.raises(InputError) as refused:
        check_chat_request(body)
    assert refused.value.place == field


WELL_FORMED = {
    "text": {"messages": [USER]},
    "no messages (the preset's own)": {"messages": []},
    "system, developer and parts": {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Really."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look"},
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                    {"type": "image_url", "image_url": "https://x/z.png"},
                    {"type": "file", "file": {"file_data": "data:application/pdf;base64,AA=="}},
                    {"type": "document", "document_url": {"url": "data:,"}},
                ],
                "name": "ann",
            },
        ]
    },
    "a tool turn": {
        "messages": [
            USER,
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": "42"},
            {"role": "assistant", "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "1"}]},
        ],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
    },
    "legacy function call": {
        "messages": [
            USER,
            {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "function", "name": "f", "content": None},
        ]
    },
    "parameters": {
        "messages": [USER],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0,
        "top_p": 0.5,
        "max_tokens": 10,
        "n": 1,
        "stop": ["a", "b"],
        "response_format": {"type": "json_object"},
        "user": "u1",
        "params": {"question": "hi"},
        "metadata": {"anything": [1, 2]},
    },
}


@pytest.mark.parametrize("body", WELL_FORMED.values(), ids=WELL_FORMED.keys())
def test_well_formed_requests_pass(body):
    check_chat_request(body)


def test_an_unknown_part_type_is_refused_naming_the_part_and_the_types_laas_takes():
    body = {"messages": [USER, {"role": "user", "content": [{"type": "hologram"}]}]}
    with pytest.raises(InputError) as refused:
        check_chat_request(body)
    assert refused.value.place == "messages[1].content[0].type"
    assert "'hologram'" in refused.value.problem
    assert all(f'"{kind}"' in refused.value.problem for kind in shape.CHAT_PARTS)


def test_a_huge_part_type_name_is_cut_in_the_refusal():
    body = {"messages": [{"role": "user", "content": [{"type": "x" * 100_000}]}]}
    with pytest.raises(InputError) as refused:
        check_chat_request(body)
    assert len(str(refused.value)) < 200


@pytest.mark.parametrize("kind", shape.CHAT_PARTS)
def test_every_part_type_the_guard_passes_is_one_the_translation_knows(kind):
    # The guard's list and the handler's translation agree: a part of each type the guard
    # lets through is translated (or refused for its content), never as an unknown type.
    from laas_provider import transform

    part = {"type": kind, "text": "x", "image_url": {"url": "https://x/y.png"},
            "file": {"file_data": "data:application/pdf;base64,AA=="},
            "document_url": {"url": "data:application/pdf;base64,AA=="}}  # fmt: skip
    try:
        transform.build_body("0" * 64, [{"role": "user", "content": [part]}], {})
    except InputError as exc:
        assert "unknown content part type" not in exc.problem, exc


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["role", "content", "type", "text", "tool_calls", "function", "name"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=15,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["messages", "tools", "stop", "temperature", "stream", "user"]),
        json_values,
    )
)
def test_any_json_is_accepted_or_refused_with_an_input_error(body):
    try:
        check_chat_request(body)
    except InputError as exc:
        assert exc.place


DOOR_CHECKS = {
    "/v1/messages": shape.check_anthropic_request,
    "/v1/responses": shape.check_responses_request,
    "/v1/completions": shape.check_text_completion_request,
}


@pytest.mark.parametrize(
    ("path", "body", "field"), [d[1:] for d in OTHER_DOORS], ids=[d[0] for d in OTHER_DOORS]
)
def test_other_front_doors_refuse_malformed_bodies_naming_the_field(path, body, field):
    with pytest.raises(InputError) as refused:
        DOOR_CHECKS[path](body)
    assert refused.value.place == field


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/messages", {"messages": [USER], "system": "Be brief.", "max_tokens": 9}),
        ("/v1/messages", {"messages": [
            {"role": "user", "content": [{"type": "text", "text": "x"}, {"type": "image",
             "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}]},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f",
             "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
             "content": "42"}]}]}),
        ("/v1/responses", {"input": "hi"}),
        ("/v1/responses", {"input": [
            {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
            {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c", "output": "42"}]}),
        ("/v1/responses", {"input": [
            {"type": "message", "role": "user", "content": "hi"},
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "t"}]},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "x"}]}]}),
        ("/v1/completions", {"prompt": "hi"}),
        ("/v1/completions", {"prompt": ["a", "b"]}),
    ],
)  # fmt: skip
def test_other_front_doors_pass_well_formed_bodies(path, body):
    DOOR_CHECKS[path](body)


def test_an_unknown_responses_item_is_refused_as_an_unknown_part_is():
    def refusal(body: dict) -> InputError:
        with pytest.raises(InputError) as refused:
            shape.check_responses_request(body)
        return refused.value

    part = refusal({"input": [{"role": "user", "content": [{"type": "hologram"}]}]})
    item = refusal({"input": [{"type": "hologram", "content": "hi"}]})
    assert part.problem.startswith("unsupported content part type 'hologram'; LaaS takes")
    assert item.place == "input[0].type"
    assert item.problem.startswith("unsupported input item type 'hologram'; LaaS takes")
    assert '"message", "function_call", "function_call_output"' in item.problem
