"""split_pdfs through the real proxy: a long PDF reaches LaaS (the emulator, which refuses
any document over 20 pages) as labelled parts of at most 20 pages, from the openai client's
`file` part and the anthropic client's `document` block; the default deployment still
refuses it, and no deployment sends more than 100 pages."""

from __future__ import annotations

import base64
import io

import anthropic
import openai
import pytest
from pypdf import PdfReader

from tests.media import data_url, pdf, shared_pdf

SPLIT = "laas-split-pdfs"


def ask(client, part, model=SPLIT):
    content = [part, {"type": "text", "text": "What is in these?"}]
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": content}]
    )


def file(raw: bytes, name: str = "report.pdf") -> dict:
    return {
        "type": "file",
        "file": {"file_data": data_url("application/pdf", raw), "filename": name},
    }


def sent_parts(emulator) -> list[dict]:
    (body,) = emulator.received()
    (message,) = body["messages"]
    return message["content"]


def pages_of(part: dict) -> int:
    url = part["document_url"]["url"]
    assert url.startswith("data:application/pdf;base64,")
    return len(PdfReader(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).pages)


def test_45_pages_reach_laas_as_3_labelled_documents_of_20_20_5(client, emulator):
    reply = ask(client, file(pdf(45, True)))
    assert "received: 0 images, 3 documents, 45 pages" in reply.choices[0].message.content
    parts = sent_parts(emulator)
    assert [p["type"] for p in parts] == ["text", "document"] * 3 + ["text"]
    assert [p["text"] for p in parts[0:6:2]] == [
        "report.pdf, part 1 of 3 (pages 1-20 of 45):",
        "report.pdf, part 2 of 3 (pages 21-40 of 45):",
        "report.pdf, part 3 of 3 (pages 41-45 of 45):",
    ]
    assert [pages_of(p) for p in parts[1:6:2]] == [20, 20, 5]
    assert parts[6] == {"type": "text", "text": "What is in these?"}


def test_the_default_deployment_still_refuses_it_before_any_upload(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        ask(client, file(pdf(45, True)), model="laas-chat")
    assert "messages[0].content[0]: PDF has 45 pages; LaaS accepts at most 20 pages" in str(
        caught.value
    )
    assert emulator.received() == []


def test_over_100_pages_is_a_400_naming_the_cap_before_any_upload(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        ask(client, file(pdf(101, True)))
    assert caught.value.status_code == 400
    assert (
        "messages[0].content[0]: PDF has 101 pages; split_pdfs sends at most 100 pages "
        "(5 parts of 20)" in str(caught.value)
    )
    assert emulator.received() == []


def test_a_30_mb_pdf_with_shared_resources_arrives_in_parts_of_their_share(client, emulator):
    whole = shared_pdf(45, 700_000)
    reply = ask(client, file(whole, "manual.pdf"))
    assert "received: 0 images, 3 documents, 45 pages" in reply.choices[0].message.content
    documents = [p for p in sent_parts(emulator) if p["type"] == "document"]
    for part, pages in zip(documents, (20, 20, 5), strict=True):
        size = len(part["document_url"]["url"].split(",", 1)[1]) * 3 // 4
        assert size < len(whole) * pages / 45 * 1.1, (size, len(whole))


def test_21_pages_as_an_anthropic_document_block_arrive_as_20_and_1(proxy, emulator):
    claude = anthropic.Anthropic(base_url=proxy.url, api_key=proxy.master_key, max_retries=0)
    source = {"type": "base64", "media_type": "application/pdf",
              "data": base64.b64encode(pdf(21)).decode()}  # fmt: skip
    message = claude.messages.create(
        model=SPLIT, max_tokens=1024,
        messages=[{"role": "user", "content": [
            {"type": "document", "source": source}, {"type": "text", "text": "Summarise it"}]}],
    )  # fmt: skip
    text = "".join(block.text for block in message.content if block.type == "text")
    assert "received: 0 images, 2 documents, 21 pages" in text
    parts = sent_parts(emulator)
    labels = [p["text"] for p in parts if p["type"] == "text" and "part " in p["text"]]
    # "PDF, part 1 of 2 ...": LiteLLM's bridge carries no file name (a title is dropped).
    assert [label.split(", ", 1)[1] for label in labels] == [
        "part 1 of 2 (pages 1-20 of 21):",
        "part 2 of 2 (page 21 of 21):",
    ]
    assert [pages_of(p) for p in parts if p["type"] == "document"] == [20, 1]
