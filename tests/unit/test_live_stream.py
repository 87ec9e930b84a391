"""transform/live.py: server-sent events -> chunks, and what is held back under tool emulation."""

from __future__ import annotations

import json

import pytest

from laas_provider.transform import AnswerError, plan
from laas_provider.transform.live import EventReader, Holdback, Relay, read_event, stream_body
from tests.tool_answers import WEATHER

AUTO = plan({"tools": [WEATHER]}, True)
REQUIRED = plan({"tools": [WEATHER], "tool_choice": "required"}, True)
SCHEMA = plan(
    {"response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {}}}},
    False,
)
PLAIN = plan({}, False)


def event(text: str | None = None, finish: str | None = None, **extra) -> str:
    delta = {} if text is None else {"content": text}
    return json.dumps(
        {"id": "c1", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    )


def relay_all(relay: Relay, texts: list[str]) -> str:
    sent = []
    for text in texts:
        sent += [c["text"] for c in relay.feed(read_event("", event(text)))]
    return "".join(sent)


def test_an_openai_like_chunk_gives_its_text_and_finish_reason():
    delta = read_event("", event("Hel", "end_turn"))
    assert (delta.text, delta.finish_reason, delta.id) == ("Hel", "stop", "c1")


def test_done_marks_the_end():
    assert read_event("", "[DONE]").done


def test_a_usage_chunk_without_choices_gives_usage():
    delta = read_event("", json.dumps({"choices": [], "usage": {"prompt_tokens": 3,
                                                                 "completion_tokens": 4}}))  # fmt: skip
    assert (delta.usage.prompt_tokens, delta.usage.total_tokens) == (3, 7)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("", '{"choices": [{"delta": {"content": '),
        ("", '{"error": {"message": "overloaded"}}'),
        ("error", '{"message": "overloaded"}'),
        ("", "[1, 2]"),
    ],
)
def test_an_unusable_event_is_an_answer_error(name, data):
    with pytest.raises(AnswerError):
        read_event(name, data)


def test_content_as_a_list_of_parts_is_read():
    data = json.dumps({"choices": [{"delta": {"content": [{"type": "text", "text": "hi"}]}}]})
    assert read_event("", data).text == "hi"


def test_without_tools_every_delta_is_relayed_as_it_comes():
    relay = Relay(PLAIN)
    chunks = relay.feed(read_event("", event("{not held")))
    assert [c["text"] for c in chunks] == ["{not held"]


def test_plain_text_streams_under_tool_emulation():
    relay = Relay(AUTO)
    assert relay_all(relay, ["Seoul is ", "sunny ", "today."]) == "Seoul is sunny today."
    assert relay.reading().tool_calls == []


def test_an_answer_that_starts_with_a_brace_is_held_and_read_as_a_tool_call():
    relay = Relay(AUTO)
    call = '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]}'
    assert relay_all(relay, [call[:10], call[10:]]) == ""
    reading = relay.reading()
    assert [c["function"]["name"] for c in reading.tool_calls] == ["get_weather"]
    assert reading.problems == []
    chunks = relay.closing(reading, reply_usage())
    assert chunks[0]["tool_use"]["function"]["arguments"] == '{"city":"Seoul"}'
    assert chunks[-1]["finish_reason"] == "tool_calls"


def test_a_content_answer_in_the_protocol_is_sent_unwrapped():
    relay = Relay(AUTO)
    relay_all(relay, ['{"content": "Hello"}'])
    assert relay.reading().content == "Hello"


def test_prose_streams_until_a_fence_then_the_rest_is_held():
    relay = Relay(AUTO)
    text = 'Let me check.\n```json\n{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]}\n```'
    sent = relay_all(relay, [text[:15], text[15:20], text[20:]])
    assert sent == "Let me check.\n"
    assert relay.reading().tool_calls


@pytest.mark.parametrize("marker", ["<tool_call>", "[TOOL_CALLS]", "<|python_tag|>", "```"])
def test_a_marker_split_across_deltas_is_not_sent(marker):
    relay = Relay(AUTO)
    sent = relay_all(relay, ["Sure. " + marker[:2], marker[2:] + " rest"])
    assert sent == "Sure. "


def test_a_lone_angle_bracket_is_sent_once_the_next_text_shows_it_is_prose():
    relay = Relay(AUTO)
    assert relay_all(relay, ["a <", " b"]) == "a < b"


def test_leading_whitespace_waits_for_the_first_word():
    holdback = Holdback(AUTO)
    assert holdback.feed("\n  ") == ""
    assert holdback.feed("Hi") == "\n  Hi"


def test_an_answer_that_starts_with_a_bracket_is_held():
    relay = Relay(AUTO)
    assert relay_all(relay, ['[{"name": "get_weather"', ', "arguments": {"city": "X"}}]']) == ""


@pytest.mark.parametrize("the_plan", [REQUIRED, SCHEMA], ids=["required", "json_schema"])
def test_everything_is_held_when_the_answer_must_be_a_call_or_json(the_plan):
    relay = Relay(the_plan)
    assert relay_all(relay, ["Plain ", "words"]) == ""
    assert relay.reading().problems  # and the handler makes its one repair call


def test_an_invalid_call_is_a_problem_for_the_repair_call():
    relay = Relay(AUTO)
    relay_all(relay, ['{"tool_calls": [{"name": "get_weather", "arguments": {}}]}'])
    assert any("city" in p for p in relay.reading().problems)


def test_native_tool_call_fragments_are_joined():
    relay = Relay(PLAIN)
    frames = [
        {"index": 0, "id": "call_1", "function": {"name": "get_weather", "arguments": ""}},
        {"index": 0, "function": {"arguments": '{"city": '}},
        {"index": 0, "function": {"arguments": '"Seoul"}'}},
    ]
    for frame in frames:
        data = json.dumps({"choices": [{"delta": {"tool_calls": [frame]}}]})
        relay.feed(read_event("", data))
    (call,) = relay.reading().tool_calls
    assert call["id"] == "call_1"
    assert json.loads(call["function"]["arguments"]) == {"city": "Seoul"}


def test_the_stream_is_complete_only_with_done_or_a_finish_reason():
    relay = Relay(PLAIN)
    relay.feed(read_event("", event("partial")))
    assert not relay.ended
    relay.feed(read_event("", event(None, "stop")))
    assert relay.ended and relay.reply().text == "partial"


def test_the_orchestrator_body_has_no_hash_and_v2_asks_for_a_stream():
    body = {"hash": "h", "params": {}, "messages": []}
    assert stream_body(body, "orchestrator") == {"params": {}, "messages": []}
    assert stream_body(body, "v2")["stream"] is True


def reply_usage():
    from litellm.types.utils import Usage

    return Usage(prompt_tokens=1, completion_tokens=2, total_tokens=3)


def test_events_split_across_reads_are_decoded_whole():
    reader = EventReader()
    assert reader.feed('data: {"choices": [{"delta": {"content": "He') == []
    (event,) = reader.feed('llo"}}]}\n\ndata: [DO')
    assert read_event(event.event, event.data).text == "Hello"
    (done,) = reader.feed("NE]\n\n")
    assert read_event(done.event, done.data).done


def test_an_unterminated_last_event_is_read_at_the_end():
    reader = EventReader()
    assert reader.feed("event: x\ndata: [DONE]") == []
    (event,) = reader.close()
    assert (event.event, event.data) == ("x", "[DONE]")


def test_events_of_one_read_go_out_as_one_chunk():
    reader = EventReader()
    relay = Relay(PLAIN)
    events = reader.feed("".join(f"data: {event(t)}\n\n" for t in ("a", "b", "c")))
    chunks = relay.feed_all([read_event(e.event, e.data) for e in events])
    assert [c["text"] for c in chunks] == ["abc"]


def test_a_closing_turn_after_a_tool_loop_is_unwrapped_when_streamed():
    from laas_provider.transform.tools import History

    relay = Relay(PLAIN, History(active=True, ids=frozenset({"call_1"})))
    assert relay_all(relay, ['{"content": ', '"It is sunny."}']) == ""
    assert relay.reading().content == "It is sunny."
    assert relay.reading().problems == []
