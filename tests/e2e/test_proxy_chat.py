"""Text chat through the real LiteLLM proxy process, called with the official openai client."""

from __future__ import annotations

import openai
import pytest

from laas_provider.emulator import preset_hash
from laas_provider.transform.messages import MID_SYSTEM_LEAD


def test_plain_chat_returns_the_emulator_answer(client, emulator):
    reply = client.chat.completions.create(
        model="laas-chat", messages=[{"role": "user", "content": "Hello LaaS"}]
    )
    text = reply.choices[0].message.content
    assert "preset=echo" in text
    assert "last user: Hello LaaS" in text
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    (sent,) = emulator.received()
    assert sent["hash"] == preset_hash("echo")
    assert sent["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Hello LaaS"}]}
    ]
    assert "model" not in sent and "stream" not in sent


def test_system_and_multi_turn_history_arrive_in_order_a_later_system_turn_as_a_marked_user_turn(
    client, emulator
):
    reply = client.chat.completions.create(
        model="laas-chat",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "First"},
            {"role": "assistant", "content": "One"},
            {"role": "developer", "content": [{"type": "text", "text": "Dev note"}]},
            {"role": "user", "content": [{"type": "text", "text": "Second"}]},
        ],
    )
    # A system/developer turn after the conversation began is a user turn in its place,
    # marked as the application's (LaaS models behind Claude refuse a later system turn).
    assert "roles: system,system,user,assistant,user,user" in reply.choices[0].message.content
    (sent,) = emulator.received()
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "user", "user"]
    note = sent["messages"][3]["content"][0]["text"]
    assert note.startswith(MID_SYSTEM_LEAD) and note.endswith("Dev note")


def test_params_fill_the_preset_variable(client):
    reply = client.chat.completions.create(
        model="laas-translator",
        messages=[{"role": "user", "content": "안녕하세요"}],
        extra_body={"params": {"language": "English", "tone": "formal"}},
    )
    text = reply.choices[0].message.content
    assert "system: Translate the user's text into English. Tone: formal." in text


def test_unsent_preset_variable_becomes_empty(client):
    reply = client.chat.completions.create(
        model="laas-translator",
        messages=[{"role": "user", "content": "hi"}],
        extra_body={"params": {"language": "French"}},
    )
    assert "into French. Tone: ." in reply.choices[0].message.content


def test_wrong_credentials_give_401(client):
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(
            model="laas-wrong-key", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 401
    assert "not-the-key" not in str(caught.value)


def test_unknown_preset_gives_404(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(
            model="laas-unknown-preset", messages=[{"role": "user", "content": "hi"}]
        )
    assert "preset not found" in str(caught.value)
    assert "0" * 64 not in str(caught.value)


def test_upstream_500_gives_5xx(client, emulator):
    emulator.queue_fault(status=500, body={"message": "kaboom"})
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(
            model="laas-chat", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code >= 500
    assert "kaboom" in str(caught.value)


def test_image_part_is_refused_before_upstream(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="laas-chat",
            messages=[{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}],
        )
    assert "messages[0].content[0]" in str(caught.value)
    assert emulator.received() == []


async def test_async_client_gets_the_same_answer(aclient):
    reply = await aclient.chat.completions.create(
        model="laas-chat", messages=[{"role": "user", "content": "async hello"}]
    )
    assert "last user: async hello" in reply.choices[0].message.content
