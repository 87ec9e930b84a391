"""Images and PDFs through the real proxy with the openai client: every shape arrives at
LaaS as LaaS wants it; every refusal is a 400 naming place and limit, with no upload."""

from __future__ import annotations

import openai
import pytest

from laas_provider.limits import MB
from tests.media import data_url, image, padded, pdf

PNG = data_url("image/png", image("PNG"))
JPEG = data_url("image/jpeg", image("JPEG"))


def ask(client, *parts, model="laas-chat"):
    content = [{"type": "text", "text": "What is in these?"}, *parts]
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": content}]
    )


def img(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url, "detail": "auto"}}


def file(url: str) -> dict:
    return {"type": "file", "file": {"file_data": url, "filename": "doc.pdf"}}


def test_image_by_url(client, emulator):
    reply = ask(client, img("https://static.example.com/photo.jpg"))
    assert "received: 1 images, 0 documents, 0 pages" in reply.choices[0].message.content
    (sent,) = emulator.received()
    assert sent["messages"][0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "https://static.example.com/photo.jpg"},
    }


def test_image_as_base64(client, emulator):
    reply = ask(client, img(PNG), img(JPEG))
    assert "received: 2 images, 0 documents, 0 pages" in reply.choices[0].message.content
    assert emulator.received()[0]["messages"][0]["content"][1]["image_url"]["url"] == PNG


def test_png_declared_as_jpeg_arrives_with_its_true_type(client, emulator):
    # The emulator refuses a declared type that disagrees with the bytes, as LaaS may.
    sent_as_jpeg = data_url("image/jpeg", image("PNG"))
    reply = ask(client, img(sent_as_jpeg))
    assert "received: 1 images" in reply.choices[0].message.content
    url = emulator.received()[0]["messages"][0]["content"][1]["image_url"]["url"]
    assert url == "data:image/png;base64," + sent_as_jpeg.split(",", 1)[1]


def test_data_url_header_arrives_in_the_documented_form(client, emulator):
    payload = data_url("application/pdf", pdf(2)).split(",", 1)[1]
    reply = ask(client, file(f"data:application/pdf;name=doc.pdf;base64,{payload}"))
    assert "received: 0 images, 1 documents, 2 pages" in reply.choices[0].message.content
    part = emulator.received()[0]["messages"][0]["content"][1]
    assert part["document_url"]["url"] == f"data:application/pdf;base64,{payload}"


def test_openai_file_pdf(client):
    reply = ask(client, file(data_url("application/pdf", pdf(3))))
    assert "received: 0 images, 1 documents, 3 pages" in reply.choices[0].message.content


def test_laas_document_pdf(client):
    reply = ask(
        client,
        {"type": "document", "document_url": {"url": data_url("application/pdf", pdf(4, True))}},
    )
    assert "received: 0 images, 1 documents, 4 pages" in reply.choices[0].message.content


def test_pdf_as_image_url_data_url(client, emulator):
    reply = ask(client, img(data_url("application/pdf", pdf(2))))
    assert "received: 0 images, 1 documents, 2 pages" in reply.choices[0].message.content
    assert emulator.received()[0]["messages"][0]["content"][1]["type"] == "document"


async def test_mixed_text_three_images_and_a_pdf_async(aclient):
    reply = await aclient.chat.completions.create(
        model="laas-chat",
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "Compare"}, img(PNG), img(JPEG), img("https://x.example/c.png"),
            file(data_url("application/pdf", pdf(20, True)))]}],
    )  # fmt: skip
    assert "received: 3 images, 1 documents, 20 pages" in reply.choices[0].message.content


def test_largest_accepted_pdf_arrives_whole(client, emulator):
    url = data_url("application/pdf", pdf(20, True, 32 * MB))
    reply = ask(client, file(url))
    assert "received: 0 images, 1 documents, 20 pages" in reply.choices[0].message.content
    assert emulator.received()[0]["messages"][0]["content"][1]["document_url"]["url"] == url


def test_streamed_multimodal_answer(client):
    chunks = list(client.chat.completions.create(
        model="laas-chat", stream=True,
        messages=[{"role": "user", "content": [{"type": "text", "text": "hi"}, img(PNG)]}]))  # fmt: skip
    assert "received: 1 images" in "".join(
        c.choices[0].delta.content or "" for c in chunks if c.choices
    )


REFUSALS = [
    ("4 images", [img(PNG)] * 3 + [img("https://x.example/4.png")], "messages[0].content[4]", "message has 4 images; LaaS accepts at most 3 images per message"),
    # Images over 4 MB, GIF, WebP and text files are adapted now: tests/e2e/test_media_adaptation.py.
    ("21 MB image", [img(data_url("image/png", padded(image("PNG"), 21 * MB)))], "messages[0].content[1]",
     "image is 21.0 MB; the plugin adapts images of at most 20 MB"),
    ("ICO", [img(data_url("image/x-icon", image("ICO")))], "messages[0].content[1]",
     "image is not a JPEG, PNG, GIF, WebP, BMP, TIFF, HEIC or AVIF image"),
    ("21-page PDF", [file(data_url("application/pdf", pdf(21, True)))], "messages[0].content[1]",
     "PDF has 21 pages; LaaS accepts at most 20 pages"),
    ("33 MB PDF", [file(data_url("application/pdf", pdf(2, True, 33 * MB)))], "messages[0].content[1]",
     "PDF is 33.0 MB; LaaS accepts at most 32 MB per PDF"),
    ("file_id", [{"type": "file", "file": {"file_id": "file-abc"}}], "messages[0].content[1]",
     "file_id (OpenAI Files API) is not supported; LaaS needs PDFs inline as base64"),
    ("broken base64", [img("data:image/png;base64,iVBOR!!!")], "messages[0].content[1]", "invalid base64"),
    ("http PDF", [file("https://example.com/report.pdf")], "messages[0].content[1]", "a file by URL is not supported"),
    ("ftp image", [img("ftp://example.com/a.png")], "messages[0].content[1]", "unsupported image URL scheme 'ftp'"),
    ("audio file", [file(data_url("audio/mpeg", b"ID3 hello"))], "messages[0].content[1]",
     "file type 'audio/mpeg' is not supported; LaaS takes PDFs"),
    ("21 pages, /Count 1", [file(data_url("application/pdf", pdf(21, count=1)))], "messages[0].content[1]",
     "PDF has 21 pages; LaaS accepts at most 20 pages"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("parts", "place", "says"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_refusal_is_a_precise_400_and_nothing_is_uploaded(client, emulator, parts, place, says):
    with pytest.raises(openai.BadRequestError) as caught:
        ask(client, *parts)
    assert caught.value.status_code == 400
    assert f"{place}: {says}" in str(caught.value)
    assert emulator.received() == []


def test_emulator_refuses_on_its_own_what_the_plugin_would(emulator):
    """If the plugin let a bad part through, LaaS (here: the emulator) would answer 400."""
    import httpx

    from laas_provider.emulator import preset_hash

    bad = {"type": "image_url", "image_url": {"url": data_url("image/png", image("GIF"))}}
    body = {
        "hash": preset_hash("echo"),
        "params": {},
        "messages": [{"role": "user", "content": [bad]}],
    }
    response = httpx.post(f"{emulator.url}/api/preset/v2/chat/completions", json=body,
                          headers={"project": emulator.project_code, "apiKey": emulator.api_key})  # fmt: skip
    assert response.status_code == 400
    assert "image content does not match" in response.json()["message"]
    pages = {"type": "document", "document_url": {"url": data_url("application/pdf", pdf(21))}}
    body["messages"][0]["content"] = [pages]
    response = httpx.post(f"{emulator.url}/api/preset/v2/chat/completions", json=body,
                          headers={"project": emulator.project_code, "apiKey": emulator.api_key})  # fmt: skip
    assert response.status_code == 400 and "more than 20 pages" in response.json()["message"]
