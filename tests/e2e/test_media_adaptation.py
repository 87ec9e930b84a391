"""What ordinary clients send, adapted through the real proxy (issue 27): images in every
format and size with the openai and anthropic clients and the Responses API, text files,
a decompression bomb, the resend, and a concurrent request's latency while big images are
adapted. What LaaS received is read back from the emulator and decoded."""

from __future__ import annotations

import base64
import io
import threading
import time
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest
from PIL import Image

import tests.media  # noqa: F401  (registers the HEIC writer)
from laas_provider.limits import IMAGE_MAX_BYTES, IMAGE_TARGET_BYTES, TEXT_FILE_MAX_BYTES

from .beside import alone, beside_ordinary
from .conftest import laas_model
from .harness import Emulator, Proxy, provider_map

pytestmark = pytest.mark.e2e

HELD_BOUND_S = 0.25  # a concurrent small request may take this much longer than on its own


def encoded(im: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def photo_jpeg() -> bytes:
    from tests.media import photo

    return encoded(photo((4032, 3024)), "JPEG", quality=94)  # a 12 MP phone photo


def screenshot_png() -> bytes:
    from tests.media import screenshot

    return encoded(screenshot((3840, 2160)), "PNG")  # a 4K screenshot with a photo on it


def small(fmt: str, size=(1920, 1080), colour=(200, 40, 40), **options) -> bytes:
    from tests.media import screenshot

    im = screenshot(size, with_photo=False)
    im.paste(colour, (0, 0, size[0], size[1] // 3))
    return encoded(im, fmt, **options)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (640, 480), c) for c in ((220, 20, 20), (20, 20, 220))]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200)


def sent_images(emulator: Emulator) -> list[Image.Image]:
    """The images LaaS received, decoded (checked against its 4 MB and format rules)."""
    out = []
    for message in emulator.received()[-1]["messages"]:
        for part in message["content"]:
            if part["type"] == "image_url":
                header, payload = part["image_url"]["url"].split(",", 1)
                data = base64.b64decode(payload)
                assert header in ("data:image/jpeg;base64", "data:image/png;base64")
                assert len(data) <= IMAGE_TARGET_BYTES
                im = Image.open(io.BytesIO(data))
                im.load()
                out.append(im)
    return out


def ask(client: openai.OpenAI, *parts, model: str = "laas-chat"):
    content = [{"type": "text", "text": "What is in this?"}, *parts]
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": content}]
    )


def image(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url}}


# --- images LaaS cannot take as they are: converted, downscaled --------------------------


CASES = {
    "WebP screenshot": ("image/webp", lambda: small("WEBP"), (1568, 882)),
    "BMP": ("image/bmp", lambda: small("BMP", (800, 600)), (800, 600)),
    "TIFF": ("image/tiff", lambda: small("TIFF", (1200, 900)), (1200, 900)),
    "AVIF": ("image/avif", lambda: small("AVIF", (1600, 1200)), (1568, 1176)),
    "HEIC (iPhone)": ("image/heic", lambda: small("HEIF", (4032, 3024)), (1568, 1176)),
    "12 MP JPEG over 4 MB": ("image/jpeg", photo_jpeg, (1568, 1176)),
    "4K PNG screenshot over 4 MB": ("image/png", screenshot_png, (1568, 882)),
    "10000x2500 PNG, small in bytes": (
        "image/png", lambda: small("PNG", (10000, 2500)), (1568, 392)),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_an_image_laas_cannot_take_reaches_it_adapted(case, client, emulator, proxy):
    mime, make, size = CASES[case]
    data = make()
    if "over 4 MB" in case:
        assert len(data) > IMAGE_MAX_BYTES
    reply = ask(client, image(data_url(mime, data)))
    assert "received: 1 images" in reply.choices[0].message.content
    (sent,) = sent_images(emulator)
    assert sent.size == size
    assert "LaaS media for laas-chat: messages[0].content[1] " in proxy.log()


def test_an_animated_gif_arrives_as_its_first_frame(client, emulator):
    ask(client, image(data_url("image/gif", animated_gif())))
    (sent,) = sent_images(emulator)
    red, _, blue = sent.convert("RGB").getpixel((10, 10))
    assert red > 180 and blue < 60


def test_a_compliant_image_arrives_byte_for_byte(client, emulator):
    url = data_url("image/png", small("PNG", (1568, 900)))
    ask(client, image(url))
    assert emulator.received()[-1]["messages"][0]["content"][1]["image_url"]["url"] == url


def test_a_decompression_bomb_is_a_400_naming_the_part_before_any_laas_call(client, emulator):
    bomb = encoded(Image.new("1", (30000, 30000)), "PNG")  # ~106 KB, 900 megapixels
    assert len(bomb) < 200_000
    started = time.perf_counter()
    with pytest.raises(openai.BadRequestError) as refused:
        ask(client, image(data_url("image/png", bomb)))
    assert time.perf_counter() - started < 2
    message = str(refused.value)
    assert "messages[0].content[1]" in message and "megapixels" in message
    assert emulator.received() == []


@pytest.mark.parametrize(
    ("part", "words"),
    [
        (image(data_url("image/webp", small("WEBP")[:2000])), "cannot be"),
        (image("data:image/x-icon;base64," + base64.b64encode(b"\0\0\1\0junk").decode()),
         "image is not a JPEG, PNG, GIF, WebP"),
        ({"type": "file", "file": {"file_data": data_url("audio/mpeg", b"ID3\3\0junk")}},
         "file type 'audio/mpeg' is not supported"),
        ({"type": "file", "file": {"file_id": "file-abc"}}, "file_id"),
    ],
)  # fmt: skip
def test_what_cannot_be_adapted_stays_a_400_naming_the_part(part, words, client, emulator):
    with pytest.raises(openai.BadRequestError) as refused:
        ask(client, part)
    assert "messages[0].content[1]" in str(refused.value) and words in str(refused.value)
    assert emulator.received() == []


# --- text files -----------------------------------------------------------------------------

NOTES = "# Release notes\n\n| v | date |\n|---|---|\n| 1.0 | 2026-12-06 |\n\nCafé ☕\n"


def test_a_markdown_file_reaches_laas_as_a_text_part_with_its_name(client, emulator, proxy):
    part = {"type": "file", "file": {"file_data": data_url("text/markdown", NOTES.encode()),
                                     "filename": "NOTES.md"}}  # fmt: skip
    ask(client, part)
    text = emulator.received()[-1]["messages"][0]["content"][1]
    assert text == {
        "type": "text",
        "text": f"<document>\n<source>NOTES.md</source>\n<document_content>\n{NOTES}\n"
        "</document_content>\n</document>",
    }


def test_a_text_file_over_1_mb_is_a_400_naming_the_part_and_the_cap(client, emulator):
    big = b"x" * (TEXT_FILE_MAX_BYTES + 1)
    with pytest.raises(openai.BadRequestError, match=r"content\[1\]: text file is 1\.0 MB"):
        ask(client, {"type": "file", "file": {"file_data": data_url("text/plain", big)}})
    assert emulator.received() == []


# --- the same through /v1/messages and /v1/responses ----------------------------------------


@pytest.fixture
def claude(proxy: Proxy) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy.url, api_key=proxy.master_key, max_retries=0)


def block(mime: str, data: bytes) -> dict:
    return {"type": "image", "source": {"type": "base64", "media_type": mime,
                                        "data": base64.b64encode(data).decode()}}  # fmt: skip


@pytest.mark.parametrize(
    ("mime", "make", "size"),
    [("image/webp", lambda: small("WEBP"), (1568, 882)), ("image/jpeg", photo_jpeg, (1568, 1176)),
     ("image/heic", lambda: small("HEIF", (3000, 4000)), (1176, 1568))],
)  # fmt: skip
def test_the_anthropic_client_gets_its_images_adapted(mime, make, size, claude, emulator):
    answer = claude.messages.create(
        model="laas-chat", max_tokens=64,
        messages=[{"role": "user", "content": [block(mime, make()), {"type": "text", "text": "?"}]}],
    )  # fmt: skip
    assert "received: 1 images" in answer.content[0].text
    (sent,) = sent_images(emulator)
    assert sent.size == size


def test_an_anthropic_text_document_is_inlined_with_its_title(claude, emulator, proxy):
    documents = [
        {"type": "document", "title": "NOTES.md",
         "source": {"type": "text", "media_type": "text/plain", "data": NOTES}},
        {"type": "document",
         "source": {"type": "base64", "media_type": "text/plain",
                    "data": base64.b64encode(b"plain as base64").decode()}},
    ]  # fmt: skip
    claude.messages.create(
        model="laas-chat", max_tokens=64,
        messages=[{"role": "user", "content": [*documents, {"type": "text", "text": "Sum up."}]}],
    )  # fmt: skip
    texts = [p["text"] for p in emulator.received()[-1]["messages"][0]["content"]]
    assert f"<source>NOTES.md</source>\n<document_content>\n{NOTES}\n" in texts[0]
    assert "<source>text/plain</source>\n<document_content>\nplain as base64\n" in texts[1]
    assert texts[-1] == "Sum up."
    assert "text document NOTES.md" in proxy.log()


def test_the_responses_api_gets_images_and_text_files_adapted(client, emulator):
    client.responses.create(
        model="laas-chat",
        input=[{"role": "user", "content": [
            {"type": "input_text", "text": "Compare."},
            {"type": "input_image", "image_url": data_url("image/webp", small("WEBP"))},
            {"type": "input_file", "filename": "NOTES.md",
             "file_data": data_url("text/markdown", NOTES.encode())},
        ]}],
    )  # fmt: skip
    (sent,) = sent_images(emulator)
    assert sent.size == (1568, 882)
    parts = emulator.received()[-1]["messages"][-1]["content"]
    assert any("<source>NOTES.md</source>" in p.get("text", "") for p in parts)


# --- the resend and the event loop ----------------------------------------------------------


def test_an_image_resent_each_turn_is_adapted_once(client, emulator, proxy):
    url = data_url("image/webp", small("WEBP", colour=(10, 200, 30)))
    first = [{"role": "user", "content": [image(url), {"type": "text", "text": "What colour?"}]}]
    client.chat.completions.create(model="laas-chat", messages=first)
    second = [*first, {"role": "assistant", "content": "Green."},
              {"role": "user", "content": "And now?"}]  # fmt: skip
    client.chat.completions.create(model="laas-chat", messages=second)
    lines = [line for line in proxy.log().splitlines() if "LaaS media" in line and "WebP" in line]
    assert "(cached)" in lines[-1] and "(cached)" not in lines[-2]
    sent = emulator.received()
    assert sent[-1]["messages"][0]["content"][0] == sent[-2]["messages"][0]["content"][0]


def test_a_small_request_is_not_held_while_two_big_images_are_adapted(client):
    before = alone(client)
    photos = [data_url("image/jpeg", photo_jpeg()), data_url("image/png", screenshot_png())]
    ask(client, image(data_url("image/webp", small("WEBP"))))  # the workers are started

    def two_at_once() -> None:
        senders = [threading.Thread(target=ask, args=(client, image(u))) for u in photos]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()

    _, worst = beside_ordinary(client, two_at_once, times=1)
    print(f"small request alone: worst {before * 1000:.0f} ms; beside two adaptations: "
          f"worst {worst * 1000:.0f} ms")  # fmt: skip
    assert worst <= before + HELD_BOUND_S


# --- deployments that say more: LaaS takes WebP, images spread, a larger side --------------


@pytest.fixture(scope="module")
def adapted_proxy(emulator: Emulator, log_dir) -> Iterator[Proxy]:
    config = {
        "model_list": [
            laas_model("laas-spread", spread_images=True, image_max_side=1000),
            laas_model("laas-webp", image_formats=["jpeg", "png", "webp"]),
            laas_model("laas-bad-side", image_max_side=9000),
        ],
        "litellm_settings": {**provider_map(), "callbacks": ["laas_provider.guard.request_guard"]},
        "router_settings": {"num_retries": 0},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }
    with Proxy(config, emulator.laas_env("echo"), log_dir, name="proxy-media") as server:
        yield server


@pytest.fixture
def adapted(adapted_proxy: Proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{adapted_proxy.url}/v1", api_key=adapted_proxy.master_key,
                         max_retries=0)  # fmt: skip


def test_five_images_are_refused_by_default_and_spread_where_the_deployment_says(
    client, adapted, emulator
):
    urls = [data_url("image/png", small("PNG", (300 + i, 200))) for i in range(5)]
    with pytest.raises(openai.BadRequestError, match="at most 3 images per message"):
        ask(client, *map(image, urls))
    reply = ask(adapted, *map(image, urls), model="laas-spread")
    assert "received: 5 images" in reply.choices[0].message.content
    messages = emulator.received()[-1]["messages"]
    assert [m["role"] for m in messages] == ["user", "user"]
    assert [sum(p["type"] == "image_url" for p in m["content"]) for m in messages] == [3, 2]


def test_the_deployments_side_limit_and_formats_are_honoured(adapted, emulator):
    ask(adapted, image(data_url("image/png", small("PNG", (1200, 600)))), model="laas-spread")
    assert sent_images(emulator)[0].size == (1000, 500)
    webp = data_url("image/webp", small("WEBP", (800, 600)))
    deviate = f"{emulator.url}/_emulator/behaviour"
    httpx.post(deviate, json={"deviate": ["accept_webp"]}).raise_for_status()  # as LaaS may
    try:
        ask(adapted, image(webp), model="laas-webp")
    finally:
        httpx.post(deviate, json={"deviate": []}).raise_for_status()
    assert emulator.received()[-1]["messages"][0]["content"][1]["image_url"]["url"] == webp


def test_an_invalid_media_setting_names_the_key(adapted):
    with pytest.raises(openai.APIStatusError, match="image_max_side"):
        ask(adapted, model="laas-bad-side")


def test_a_client_may_not_set_the_media_keys(adapted):
    with pytest.raises(openai.BadRequestError, match="spread_images"):
        adapted.chat.completions.create(
            model="laas-webp", messages=[{"role": "user", "content": "hi"}],
            extra_body={"spread_images": True},
        )  # fmt: skip
