"""Images and PDFs: every shape, every limit at and just past it, on real files."""

from __future__ import annotations

import base64

import pytest

from laas_provider.errors import InputError
from laas_provider.limits import IMAGE_MAX_BYTES, MB, PDF_MAX_BYTES, PDF_MAX_PAGES
from laas_provider.transform import to_laas_messages
from laas_provider.transform.media import b64, work
from laas_provider.transform.media.work import Options, Pending
from tests.media import data_url, image, padded, pdf


def user(*parts) -> list[dict]:
    return [{"role": "user", "content": [{"type": "text", "text": "look"}, *parts]}]


def img(url: str, **extra) -> dict:
    return {"type": "image_url", "image_url": {"url": url, **extra}}


def one_part(*parts) -> dict:
    return to_laas_messages(user(*parts))[0]["content"][1]


def refusal(*parts, messages=None) -> InputError:
    with pytest.raises(InputError) as caught:
        to_laas_messages(messages or user(*parts))
    return caught.value


# --- images --------------------------------------------------------------------------------


def test_https_image_url_passes_through_and_detail_is_dropped():
    part = one_part(img("https://static.example.com/a.jpg", detail="high"))
    assert part == {"type": "image_url", "image_url": {"url": "https://static.example.com/a.jpg"}}


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_base64_image_is_kept_as_the_same_string(fmt, mime):
    url = data_url(mime, image(fmt))
    assert one_part(img(url))["image_url"]["url"] is url  # no copy, no re-encoding


@pytest.mark.parametrize(
    ("declared", "fmt", "true"),
    [("image/jpeg", "PNG", "image/png"), ("image/png", "JPEG", "image/jpeg"),
     ("image/jpg", "JPEG", "image/jpeg"), ("application/octet-stream", "PNG", "image/png")],
)  # fmt: skip
def test_declared_type_is_corrected_to_the_true_one(declared, fmt, true):
    url = data_url(declared, image(fmt))
    sent = one_part(img(url))["image_url"]["url"]
    assert sent.startswith(f"data:{true};base64,")
    assert sent.split(",", 1)[1] == url.split(",", 1)[1]


@pytest.mark.parametrize(
    "header",
    ["data:image/png;name=a.png;base64,", "data:IMAGE/PNG;base64,", "data: image/png ;base64,"],
)
def test_data_url_header_is_sent_in_the_form_laas_documents(header):
    payload = base64.b64encode(image("PNG")).decode()
    assert one_part(img(header + payload))["image_url"]["url"] == "data:image/png;base64," + payload


def test_image_at_4_mb_is_accepted():
    one_part(img(data_url("image/png", padded(image("PNG"), IMAGE_MAX_BYTES))))


def test_image_just_past_4_mb_is_left_to_adapt_saying_why():
    part = one_part(img(data_url("image/png", padded(image("PNG"), IMAGE_MAX_BYTES + 1))))
    assert isinstance(part, Pending)
    assert (part.place, part.why) == ("messages[0].content[1]", "4.0 MB")


def test_image_over_the_input_cap_is_refused_before_its_base64_is_read(monkeypatch):
    monkeypatch.setattr(b64, "validate", None)  # calling it would raise TypeError
    url = "data:image/png;base64," + "!" * ((21 * MB) // 3 * 4)
    assert str(refusal(img(url))) == (
        "messages[0].content[1]: image is 21.0 MB; the plugin adapts images of at most 20 MB"
    )


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("GIF", "GIF"), ("WEBP", "WebP"), ("BMP", "BMP"), ("TIFF", "TIFF"), ("AVIF", "AVIF"),
     ("HEIF", "HEIC")],
)  # fmt: skip
def test_other_image_formats_are_left_to_adapt_by_their_bytes(fmt, name):
    part = one_part(img(data_url("image/png", image(fmt))))
    assert isinstance(part, Pending) and part.why == name


def test_a_side_over_the_limit_is_left_to_adapt_and_within_it_passes_as_is():
    url = data_url("image/png", image("PNG", (1569, 20)))
    assert one_part(img(url)).why == "1569x20 px"
    assert one_part(img(data_url("image/png", image("PNG", (1568, 20)))))["type"] == "image_url"
    media = Options(max_side=2000)
    (message,) = to_laas_messages(user(img(url)), media)
    assert message["content"][1]["image_url"]["url"] is url


def test_webp_and_gif_pass_as_they_are_where_the_deployment_says_laas_takes_them():
    media = work.options(formats=["webp", "gif"])
    for fmt, mime in (("WEBP", "image/webp"), ("GIF", "image/gif")):
        url = data_url(mime, image(fmt))
        (message,) = to_laas_messages(user(img(url)), media)
        assert message["content"][1]["image_url"]["url"] is url


def test_three_images_are_accepted_and_a_fourth_is_refused():
    url = data_url("image/png", image("PNG"))
    assert len(to_laas_messages(user(*[img(url)] * 3))[0]["content"]) == 4
    error = refusal(*[img(url)] * 3, img("https://x.example/4.png"))
    assert error.place == "messages[0].content[4]"
    assert "at most 3 images per message" in str(error)


def test_three_images_in_each_of_two_messages_are_fine():
    url = "https://x.example/a.png"
    messages = [
        *user(*[img(url)] * 3),
        {"role": "assistant", "content": "ok"},
        *user(*[img(url)] * 3),
    ]
    assert len(to_laas_messages(messages)) == 3


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://x/a.png", "unsupported image URL scheme 'ftp'"),
        ("file:///etc/passwd", "unsupported image URL scheme 'file'"),
        ("data:image/png,rawbytes", "data:<type>;base64,<data>"),
        ("data:image/png;base64,@@@@", "invalid base64"),
        ("data:image/png;base64,abc", "multiple of 4"),
        ("data:image/png;base64,", "empty"),
        (
            "data:image/png;base64," + base64.b64encode(b"just some text").decode(),
            "image is not a JPEG, PNG, GIF, WebP, BMP, TIFF, HEIC or AVIF image",
        ),
    ],
)
def test_bad_image_urls_are_refused(url, words):
    assert words in str(refusal(img(url)))


def test_images_outside_user_messages_are_refused():
    messages = [{"role": "system", "content": [img("https://x.example/a.png")]}]
    assert "user messages only" in str(refusal(messages=messages))


# --- PDFs ----------------------------------------------------------------------------------

DOC = "data:application/pdf;base64,"


def test_openai_file_part_becomes_a_laas_document():
    url = data_url("application/pdf", pdf(3))
    part = one_part({"type": "file", "file": {"file_data": url, "filename": "a.pdf"}})
    assert part == {"type": "document", "document_url": {"url": url}}
    assert part["document_url"]["url"] is url


def test_laas_document_part_is_kept():
    url = data_url("application/pdf", pdf(3))
    assert (
        one_part({"type": "document", "document_url": {"url": url}})["document_url"]["url"] is url
    )


def test_pdf_as_image_url_data_url_becomes_a_document():
    url = data_url("application/pdf", pdf(2))
    assert one_part(img(url)) == {"type": "document", "document_url": {"url": url}}


@pytest.mark.parametrize("declared", ["application/octet-stream", ""])
def test_generic_type_with_pdf_bytes_is_sent_as_a_pdf(declared):
    raw = base64.b64encode(pdf(1)).decode()
    part = one_part({"type": "file", "file": {"file_data": f"data:{declared};base64,{raw}"}})
    assert part["document_url"]["url"] == DOC + raw


def test_bare_base64_file_data_is_accepted_as_a_pdf():
    raw = base64.b64encode(pdf(1)).decode()
    part = one_part({"type": "file", "file": {"file_data": raw}})
    assert part["document_url"]["url"] == DOC + raw


@pytest.mark.parametrize("object_streams", [False, True])
def test_20_pages_are_accepted_and_21_refused_with_both_xref_kinds(object_streams):
    one_part(
        {
            "type": "file",
            "file": {"file_data": data_url("application/pdf", pdf(PDF_MAX_PAGES, object_streams))},
        }
    )
    error = refusal(
        {
            "type": "file",
            "file": {"file_data": data_url("application/pdf", pdf(21, object_streams))},
        }
    )
    assert "PDF has 21 pages; LaaS accepts at most 20 pages" in str(error)


def test_pdf_at_32_mb_is_accepted_and_just_past_is_refused():
    one_part(
        {
            "type": "document",
            "document_url": {"url": data_url("application/pdf", pdf(2, True, PDF_MAX_BYTES))},
        }
    )
    error = refusal(
        {
            "type": "document",
            "document_url": {"url": data_url("application/pdf", pdf(2, True, PDF_MAX_BYTES + 1))},
        }
    )
    assert error.problem == "PDF is 32.0 MB (33,554,433 bytes); LaaS accepts at most 32 MB per PDF"


def test_33_mb_pdf_is_refused_without_decoding(monkeypatch):
    # Not valid base64 at all, and the reader is gone: the length alone decides.
    monkeypatch.setattr(b64, "validate", None)
    monkeypatch.setattr(b64, "open_payload", None)
    url = DOC + "!" * (((33 * MB) // 3) * 4)
    error = refusal({"type": "document", "document_url": {"url": url}})
    assert error.problem == "PDF is 33.0 MB; LaaS accepts at most 32 MB per PDF"


def test_largest_pdf_check_decodes_only_a_sliver_of_it(monkeypatch):
    decoded = []
    readinto = b64.Base64File.readinto
    monkeypatch.setattr(
        b64.Base64File,
        "readinto",
        lambda self, buf: decoded.append(readinto(self, buf)) or decoded[-1],
    )
    url = data_url("application/pdf", pdf(PDF_MAX_PAGES, True, PDF_MAX_BYTES))
    assert one_part({"type": "file", "file": {"file_data": url}})["document_url"]["url"] is url
    # Header, trailer, xref and object streams, a little around each page: not the images.
    assert 0 < sum(decoded) < MB // 2


def test_page_count_does_not_trust_a_lying_count():
    url = data_url("application/pdf", pdf(21, count=1))  # /Count says 1, the tree holds 21
    error = refusal({"type": "document", "document_url": {"url": url}})
    assert error.problem == "PDF has 21 pages; LaaS accepts at most 20 pages"


@pytest.mark.parametrize(
    ("file", "words"),
    [
        ({"file_id": "file-abc123"}, "file_id (OpenAI Files API) is not supported"),
        ({"file_data": "https://example.com/a.pdf"}, "a file by URL is not supported"),
        (
            {"file_data": data_url("audio/mpeg", b"ID3....")},
            "file type 'audio/mpeg' is not supported; LaaS takes PDFs (inline as base64 (a "
            "data:application/pdf;base64,... URL)) and images, and the plugin inlines UTF-8 "
            "text files (text/*, JSON, source code)",
        ),
        (
            {"file_data": data_url("application/pdf", pdf(1)), "format": "text/csv"},
            "text file is not UTF-8",
        ),
        ({"file_data": data_url("application/octet-stream", b"\x00\x01binary")}, "not a PDF"),
        ({"file_data": data_url("application/pdf", b"hello there!")}, "not a PDF"),
        ({"file_data": DOC + "%%%%"}, "invalid base64"),
        ({"file_data": data_url("application/pdf", b"%PDF-1.7\nbroken")}, "cannot be read"),
        ({}, "missing file_data"),
    ],
)
def test_bad_files_are_refused_saying_what_laas_needs(file, words):
    error = refusal({"type": "file", "file": file})
    assert words in str(error)
    assert error.place == "messages[0].content[1]"


def test_document_by_http_url_is_refused():
    error = refusal({"type": "document", "document_url": {"url": "https://example.com/a.pdf"}})
    assert "inline as base64" in str(error)


def test_mixed_text_three_images_and_a_pdf():
    png = data_url("image/png", image("PNG"))
    jpg = data_url("image/jpeg", image("JPEG"))
    doc = data_url("application/pdf", pdf(5, True))
    content = to_laas_messages(
        user(
            img(png),
            img(jpg),
            img("https://x.example/c.png"),
            {"type": "file", "file": {"file_data": doc}},
        )
    )[0]["content"]
    assert [p["type"] for p in content] == [
        "text",
        "image_url",
        "image_url",
        "image_url",
        "document",
    ]


# --- spread_images -----------------------------------------------------------------------------


def test_spread_images_sends_past_the_third_image_in_following_user_messages():
    urls = [f"https://x.example/{i}.png" for i in range(7)]
    media = work.options(spread_images=True)
    parts = [img(urls[0]), {"type": "text", "text": "and"}, *map(img, urls[1:])]
    out = to_laas_messages(user(*parts), media)
    assert [m["role"] for m in out] == ["user", "user", "user"]
    assert [[p.get("image_url", {}).get("url", p.get("text")) for p in m["content"]] for m in out] == [
        ["look", urls[0], "and", urls[1], urls[2]], urls[3:6], urls[6:]
    ]  # fmt: skip
    assert media.notes == [
        "messages[0].content: images spread over 3 user messages (spread_images)"
    ]


def test_without_spread_images_three_images_stay_one_message_and_four_are_refused():
    media = work.options()
    assert len(to_laas_messages(user(*[img("https://x.example/a.png")] * 3), media)) == 1
    assert media.notes == []
    with pytest.raises(InputError, match="at most 3 images per message"):
        to_laas_messages(user(*[img("https://x.example/a.png")] * 4), media)


def test_an_inlined_text_file_is_noted_for_the_log():
    media = work.options()
    url = "data:text/markdown;base64," + base64.b64encode(b"# hi").decode()
    to_laas_messages(user({"type": "file", "file": {"file_data": url, "filename": "a.md"}}), media)
    assert media.notes == ["messages[0].content[1] text/markdown a.md 4 bytes -> a text part"]


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [("max_side", 8001, "image_max_side"), ("max_side", "big", "image_max_side"),
     ("formats", ["bmp"], "image_formats"), ("formats", 5, "image_formats")],
)  # fmt: skip
def test_invalid_media_settings_name_the_key(key, value, words):
    with pytest.raises(ValueError, match=words):
        work.options(**{key: value})
