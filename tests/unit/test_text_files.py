"""Text files inlined as text parts (transform/media/text.py), in every shape they arrive."""

from __future__ import annotations

import base64

import pytest

from laas_provider import limits
from laas_provider.errors import InputError
from laas_provider.transform import to_laas_messages


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sent(part: dict) -> dict:
    (message,) = to_laas_messages([{"role": "user", "content": [part]}])
    (out,) = message["content"]
    return out


def file(data: str, **extra) -> dict:
    return {"type": "file", "file": {"file_data": data, **extra}}


NOTES = "# Notes\n\n- café ☕\n- 東京\n".encode()


@pytest.mark.parametrize(
    ("part", "source"),
    [
        (file(f"data:text/markdown;base64,{b64(NOTES)}", filename="notes.md"), "notes.md"),
        (file(f"data:text/csv;base64,{b64(NOTES)}", filename="a.csv"), "a.csv"),
        (file(f"data:application/json;base64,{b64(NOTES)}"), "application/json"),
        (file(f"data:text/x-python;base64,{b64(NOTES)}", filename="m.py"), "m.py"),
        (file(f"data:application/octet-stream;base64,{b64(NOTES)}", filename="n.md"), "n.md"),
        (file(b64(NOTES), filename="notes.md"), "notes.md"),  # bare base64, no type
        (file(b64(NOTES), format="text/plain"), "text/plain"),
        # An Anthropic `document` with a base64 text/plain source, as LiteLLM hands it over.
        ({"type": "image_url", "image_url": {"url": f"data:text/plain;base64,{b64(NOTES)}"}},
         "text/plain"),
    ],
)  # fmt: skip
def test_a_text_file_becomes_a_text_part_carrying_its_name(part, source):
    assert sent(part) == {
        "type": "text",
        "text": f"<document>\n<source>{source}</source>\n<document_content>\n"
        f"{NOTES.decode()}\n</document_content>\n</document>",
    }


def test_a_byte_order_mark_is_dropped():
    bom = b64("\ufeffhi".encode())
    text = sent(file(f"data:text/plain;base64,{bom}", filename="a.txt"))
    assert "<document_content>\nhi\n" in text["text"]


def test_a_file_that_is_not_utf8_is_refused_naming_the_part():
    latin = "café".encode("latin-1")
    with pytest.raises(InputError) as refused:
        sent(file(f"data:text/plain;base64,{b64(latin)}", filename="a.txt"))
    assert str(refused.value) == (
        "messages[0].content[0]: text file is not UTF-8 (byte 3); send text files as UTF-8"
    )


def test_a_text_file_over_1_mb_is_refused_and_1_mb_is_inlined():
    at_limit = b"a" * limits.TEXT_FILE_MAX_BYTES
    assert len(sent(file(f"data:text/plain;base64,{b64(at_limit)}"))["text"]) > len(at_limit)
    with pytest.raises(InputError) as refused:
        sent(file(f"data:text/plain;base64,{b64(at_limit + b'a')}"))
    assert refused.value.problem == (
        "text file is 1.0 MB; the plugin inlines text files of at most 1 MB"
    )


def test_an_unnamed_file_of_unknown_bytes_is_refused():
    with pytest.raises(InputError, match="not a PDF, a JPEG, PNG"):
        sent(file(f"data:application/octet-stream;base64,{b64(NOTES)}"))


def test_a_pdf_name_on_a_text_file_is_not_taken_for_its_name():
    # LiteLLM 1.110 names an untitled Anthropic document "document.pdf", whatever its type.
    part = file(f"data:text/plain;base64,{b64(b'hi')}", filename="document.pdf")
    assert "<source>text/plain</source>" in sent(part)["text"]
