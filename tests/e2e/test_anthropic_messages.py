"""Anthropic Messages (`/v1/messages`) through the real proxy with the official `anthropic`
SDK: LiteLLM's Messages->chat bridge in front of the plugin. Each test checks what the SDK
gets back and what reached LaaS (the emulator records every body it receives)."""

from __future__ import annotations

import base64

import anthropic
import httpx
import pytest

from tests.media import image, pdf

MODEL = "laas-chat"
PNG_B64 = base64.b64encode(image("PNG")).decode()
JPEG_B64 = base64.b64encode(image("JPEG")).decode()


@pytest.fixture
def claude(proxy) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy.url, api_key=proxy.master_key, max_retries=0)


def ask(claude: anthropic.Anthropic, content, model: str = MODEL, **kw) -> anthropic.types.Message:
    kw.setdefault("max_tokens", 1024)
    return claude.messages.create(
        model=model, messages=[{"role": "user", "content": content}], **kw
    )


def text_of(message: anthropic.types.Message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


def document(data: bytes) -> dict:
    source = {
        "type": "base64",
        "media_type": "application/pdf",
        "data": base64.b64encode(data).decode(),
    }
    return {"type": "document", "source": source}


def test_text_answer_with_usage(claude, emulator):
    message = ask(claude, "Hello from the Anthropic SDK")
    assert message.type == "message" and message.role == "assistant"
    assert message.stop_reason == "end_turn"
    assert "last user: Hello from the Anthropic SDK" in text_of(message)
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    assert len(emulator.received()) == 1


def test_system_prompt_and_multi_turn_arrive_in_order(claude, emulator):
    message = claude.messages.create(
        model=MODEL,
        max_tokens=1024,
        system="Answer in one word.",
        messages=[
            {"role": "user", "content": "First question"},
            {"role": "assistant", "content": "First answer"},
            {"role": "user", "content": [{"type": "text", "text": "Second question"}]},
        ],
    )
    assert "last user: Second question" in text_of(message)
    (sent,) = emulator.received()
    turns = [(m["role"], m["content"]) for m in sent["messages"]]
    assert [role for role, _ in turns] == ["system", "user", "assistant", "user"]
    assert "Answer in one word." in str(turns[0][1])
    assert "First question" in str(turns[1][1]) and "First answer" in str(turns[2][1])
    assert "Second question" in str(turns[3][1])


def test_max_tokens_is_forwarded_and_a_cut_answer_says_max_tokens(claude, emulator):
    message = ask(claude, "Tell me everything", max_tokens=5)
    assert emulator.received()[0]["max_tokens"] == 5
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 5


def test_temperature_and_stop_sequences_are_forwarded(claude, emulator):
    # anthropic>=2 no longer has a `temperature` argument; clients that still send the
    # field (Claude Code, older SDKs, raw HTTP) are served, here through extra_body.
    ask(claude, "Count to ten", stop_sequences=["7"], extra_body={"temperature": 0.2})
    (sent,) = emulator.received()
    assert sent["temperature"] == 0.2
    assert sent["stop"] == ["7"]


def test_base64_images_arrive_as_data_urls(claude, emulator):
    message = ask(
        claude,
        [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}},
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": JPEG_B64}},
            {"type": "text", "text": "What is in these?"},
        ],
    )  # fmt: skip
    assert "received: 2 images, 0 documents, 0 pages" in text_of(message)
    parts = emulator.received()[0]["messages"][-1]["content"]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert urls == [f"data:image/png;base64,{PNG_B64}", f"data:image/jpeg;base64,{JPEG_B64}"]


def test_image_by_url_arrives_as_the_url(claude, emulator):
    url = "https://static.example.com/photo.jpg"
    message = ask(
        claude,
        [{"type": "image", "source": {"type": "url", "url": url}}, {"type": "text", "text": "Hi"}],
    )
    assert "received: 1 images" in text_of(message)
    parts = emulator.received()[0]["messages"][-1]["content"]
    assert {"type": "image_url", "image_url": {"url": url}} in parts


def test_pdf_document_block_arrives_as_a_laas_document(claude, emulator):
    message = ask(claude, [document(pdf(3)), {"type": "text", "text": "Summarise it"}])
    assert "received: 0 images, 1 documents, 3 pages" in text_of(message)
    parts = emulator.received()[0]["messages"][-1]["content"]
    (doc,) = [p for p in parts if p["type"] == "document"]
    assert doc["document_url"]["url"].startswith("data:application/pdf;base64,")


def test_stream_helper_assembles_the_same_text(claude, emulator):
    content = [document(pdf(2)), {"type": "text", "text": "Stream this"}]
    whole = ask(claude, content, system="Be brief.")
    with claude.messages.stream(
        model=MODEL,
        max_tokens=1024,
        system="Be brief.",
        messages=[{"role": "user", "content": content}],
    ) as stream:
        events = [event.type for event in stream]
        final = stream.get_final_message()
    assert text_of(final) == text_of(whole) and "Stream this" in text_of(final)
    assert events[0] == "message_start" and "content_block_delta" in events
    assert events[-1] == "message_stop"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == whole.usage.output_tokens
    assert len(emulator.received()) == 2  # one LaaS call per request, streamed or not


# --- errors: Anthropic's error shape, the right status ---------------------------------------


def anthropic_error(exc: anthropic.APIStatusError) -> dict:
    body = exc.response.json()
    assert body["type"] == "error", body  # {"type": "error", "error": {"type", "message"}}
    return body["error"]


def test_wrong_laas_key_is_a_401(claude, emulator):
    with pytest.raises(anthropic.AuthenticationError) as caught:
        ask(claude, "Hi", model="laas-wrong-key")
    assert caught.value.status_code == 401
    error = anthropic_error(caught.value)
    assert error["type"] == "authentication_error"
    assert "LaaS answered HTTP 401" in error["message"]
    assert "not-the-key" not in caught.value.response.text


def test_missing_proxy_key_is_a_401(proxy):
    response = httpx.post(
        f"{proxy.url}/v1/messages",
        headers={"anthropic-version": "2023-06-01"},
        json={"model": MODEL, "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]},
    )
    assert response.status_code == 401, response.text


def test_pdf_over_the_page_limit_is_a_400_naming_the_limit(claude, emulator):
    with pytest.raises(anthropic.BadRequestError) as caught:
        ask(claude, [document(pdf(21)), {"type": "text", "text": "Summarise it"}])
    error = anthropic_error(caught.value)
    assert error["type"] == "invalid_request_error"
    assert "PDF has 21 pages; LaaS accepts at most 20 pages" in error["message"]
    assert emulator.received() == []  # refused before any upload


def test_upstream_503_is_a_503(claude, emulator):
    emulator.queue_fault(kind="status", status=503, count=1)
    with pytest.raises(anthropic.APIStatusError) as caught:
        ask(claude, "Hi")
    assert caught.value.status_code == 503
    error = anthropic_error(caught.value)
    assert "LaaS answered HTTP 503" in error["message"]
    assert error["type"] in ("api_error", "overloaded_error")


def test_upstream_503_while_streaming_is_an_error_event(claude, emulator):
    # LiteLLM's Messages bridge sends its 200 and `message_start` before the plugin's call
    # to LaaS, so a failure arrives as Anthropic's in-stream `error` event (as Anthropic's
    # own API reports an overload mid-stream); the SDK raises it. docs/clients.md says so.
    emulator.queue_fault(kind="status", status=503, count=1)
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        claude.messages.stream(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Hi"}]
        ) as stream,
    ):
        stream.get_final_message()
    error = caught.value.body["error"]
    assert error["type"] == "api_error"
    assert "LaaS answered HTTP 503" in error["message"]


# --- count_tokens ----------------------------------------------------------------------------


def test_count_tokens_counts_locally_without_calling_laas(claude, emulator):
    def count(text: str) -> int:
        return claude.messages.count_tokens(
            model=MODEL, system="Be brief.", messages=[{"role": "user", "content": text}]
        ).input_tokens

    short, long = count("Hello"), count("Hello " * 200)
    assert 0 < short < long
    assert emulator.received() == []
