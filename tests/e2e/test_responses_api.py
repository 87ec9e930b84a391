"""OpenAI Responses (`/v1/responses`) through the real proxy with `client.responses.create`:
LiteLLM's Responses->chat bridge in front of the plugin. Each test checks what the client
gets and what reached LaaS (the emulator records every body it receives)."""

from __future__ import annotations

import openai
import pytest

from tests.media import data_url, image, pdf

MODEL = "laas-chat"
PNG = data_url("image/png", image("PNG"))


def user(*parts: dict) -> list[dict]:
    return [{"role": "user", "content": list(parts)}]


def text(value: str) -> dict:
    return {"type": "input_text", "text": value}


def test_input_as_text_with_usage(client, emulator):
    response = client.responses.create(model=MODEL, input="Hello from responses.create")
    assert response.status == "completed"
    assert "last user: Hello from responses.create" in response.output_text
    assert response.output[0].type == "message" and response.output[0].role == "assistant"
    usage = response.usage
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert len(emulator.received()) == 1


def test_input_as_items_with_instructions(client, emulator):
    response = client.responses.create(
        model=MODEL,
        instructions="Answer in one word.",
        input=[
            {"role": "user", "content": "First question"},
            {"role": "assistant", "content": "First answer"},
            {"role": "user", "content": [text("Second question")]},
        ],
    )
    assert "last user: Second question" in response.output_text
    (sent,) = emulator.received()
    roles = [m["role"] for m in sent["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert "Answer in one word." in str(sent["messages"][0]["content"])
    assert "First answer" in str(sent["messages"][2]["content"])


def test_max_output_tokens_and_temperature_are_forwarded(client, emulator):
    response = client.responses.create(
        model=MODEL, input="Tell me everything", max_output_tokens=16, temperature=0.3
    )
    (sent,) = emulator.received()
    assert sent["max_tokens"] == 16 and sent["temperature"] == 0.3
    assert response.status == "incomplete"
    assert response.incomplete_details.reason == "max_output_tokens"


def test_input_image_as_data_url_and_as_https_url(client, emulator):
    url = "https://static.example.com/photo.jpg"
    response = client.responses.create(
        model=MODEL,
        input=user(
            text("What is in these?"),
            {"type": "input_image", "image_url": PNG, "detail": "auto"},
            {"type": "input_image", "image_url": url, "detail": "auto"},
        ),
    )
    assert "received: 2 images, 0 documents, 0 pages" in response.output_text
    parts = emulator.received()[0]["messages"][-1]["content"]
    assert [p["image_url"]["url"] for p in parts if p["type"] == "image_url"] == [PNG, url]


def test_input_file_pdf_as_data_url(client, emulator):
    response = client.responses.create(
        model=MODEL,
        input=user(
            text("Summarise it"),
            {"type": "input_file", "filename": "report.pdf", "file_data": data_url("application/pdf", pdf(4))},
        ),
    )  # fmt: skip
    assert "received: 0 images, 1 documents, 4 pages" in response.output_text
    parts = emulator.received()[0]["messages"][-1]["content"]
    (doc,) = [p for p in parts if p["type"] == "document"]
    assert doc["document_url"]["url"].startswith("data:application/pdf;base64,")


def test_pdf_over_the_page_limit_is_a_400_naming_the_limit(client, emulator):
    with pytest.raises(openai.BadRequestError, match="at most 20 pages"):
        client.responses.create(
            model=MODEL,
            input=user(
                text("Summarise it"),
                {"type": "input_file", "filename": "big.pdf", "file_data": data_url("application/pdf", pdf(21))},
            ),
        )  # fmt: skip
    assert emulator.received() == []


def test_stream_runs_to_response_completed_with_the_same_text(client, emulator):
    whole = client.responses.create(model=MODEL, instructions="Be brief.", input="Stream this")
    events = list(
        client.responses.create(
            model=MODEL, instructions="Be brief.", input="Stream this", stream=True
        )
    )
    kinds = [event.type for event in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.output_text.delta" in kinds
    streamed = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert streamed == whole.output_text
    completed = events[-1].response
    assert completed.status == "completed" and completed.output_text == whole.output_text
    assert completed.usage.output_tokens == whole.usage.output_tokens > 0
    assert len(emulator.received()) == 2


def test_upstream_503_is_a_503(client, emulator):
    emulator.queue_fault(kind="status", status=503, count=1)
    with pytest.raises(openai.APIStatusError) as caught:
        client.responses.create(model=MODEL, input="Hi")
    assert caught.value.status_code == 503
    assert "LaaS answered HTTP 503" in str(caught.value)


# --- what needs LiteLLM's database ---------------------------------------------------------


def test_previous_response_id_without_a_database_is_a_400(client, emulator):
    # LiteLLM rebuilds a conversation from its spend logs, in its database (DATABASE_URL).
    # Without one it would answer from the new input alone, silently: the plugin refuses.
    first = client.responses.create(model=MODEL, input="My name is Kim.")
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(
            model=MODEL, input="What is my name?", previous_response_id=first.id
        )
    message = str(caught.value)
    assert "previous_response_id: needs LiteLLM's database (DATABASE_URL)" in message
    assert len(emulator.received()) == 1  # only the first call reached LaaS


def test_history_as_input_items_works_without_a_database(client, emulator):
    response = client.responses.create(
        model=MODEL,
        input=[
            {"role": "user", "content": "My name is Kim."},
            {"role": "assistant", "content": "Hello Kim."},
            {"role": "user", "content": "What is my name?"},
        ],
    )
    assert response.status == "completed"
    assert [m["role"] for m in emulator.received()[0]["messages"]] == ["user", "assistant", "user"]


def test_stored_responses_cannot_be_retrieved(client, emulator):
    # GET/DELETE /v1/responses/{id} go to the provider's own Responses API, which LaaS has not.
    first = client.responses.create(model=MODEL, input="Hello")
    with pytest.raises(openai.APIStatusError, match="not supported for laas"):
        client.responses.retrieve(first.id)
