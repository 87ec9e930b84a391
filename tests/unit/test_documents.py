"""Anthropic text documents inlined by the request guard (proxy/documents.py)."""

from __future__ import annotations

import pytest

from laas_provider import limits
from laas_provider.errors import InputError
from laas_provider.proxy import documents


def request(*blocks) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": [*blocks, {"type": "text", "text": "?"}]}]}  # fmt: skip


def text_document(data, title=None) -> dict:
    block = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": data}}  # fmt: skip
    return {**block, "title": title} if title else block


def test_a_text_document_becomes_a_text_block_with_its_title_and_is_said():
    data = request(text_document("café", "NOTES.md"))
    changed = documents.inline(data)
    assert data["messages"][0]["content"][0] == {
        "type": "text",
        "text": "<document>\n<source>NOTES.md</source>\n<document_content>\ncafé\n"
        "</document_content>\n</document>",
    }
    assert changed == ["messages[0].content[0]: text document NOTES.md 5 bytes inlined"]


def test_a_content_document_gives_its_own_blocks_and_others_are_untouched():
    image = {"type": "image", "source": {"type": "url", "url": "https://x.example/a.png"}}
    pdf = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"}}  # fmt: skip
    content = {"type": "document", "source": {"type": "content", "content": [image]}}
    data = request(pdf, content)
    documents.inline(data)
    assert data["messages"][0]["content"][:2] == [pdf, image]
    untouched = request(pdf)
    assert documents.inline(untouched) == [] and untouched == request(pdf)


def test_a_text_document_over_1_mb_is_refused_naming_the_block_and_the_cap():
    documents.inline(request(text_document("a" * limits.TEXT_FILE_MAX_BYTES)))
    for text in (
        "a" * limits.TEXT_FILE_MAX_BYTES + "a",
        "é" * (limits.TEXT_FILE_MAX_BYTES // 2 + 1),
    ):
        with pytest.raises(InputError) as refused:
            documents.inline(request(text_document(text)))
        assert refused.value.place == "messages[0].content[0]"
        assert "the plugin inlines text files of at most 1 MB" in refused.value.problem


@pytest.mark.parametrize(
    ("block", "place"),
    [(text_document(5), "messages[0].content[0].source.data"),
     ({"type": "document", "source": {"type": "content", "content": 7}},
      "messages[0].content[0].source.content")],
)  # fmt: skip
def test_a_malformed_document_is_refused_naming_the_field(block, place):
    with pytest.raises(InputError) as refused:
        documents.inline(request(block))
    assert refused.value.place == place
