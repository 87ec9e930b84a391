"""Page counting with a real parser, on PDFs made by the tests."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest

from laas_provider.transform.media import pdf as pdfcheck
from tests.media import pdf


def count(data: bytes) -> int:
    return pdfcheck.page_count(io.BytesIO(data))


def encrypted(pages: int, user: str) -> bytes:
    with pikepdf.open(io.BytesIO(pdf(pages))) as doc:
        buffer = io.BytesIO()
        doc.save(buffer, encryption=pikepdf.Encryption(user=user, owner="owner", R=6))
    return buffer.getvalue()


def test_compressed_fixtures_hide_their_pages_from_a_regex():
    """What makes the object-stream tests meaningful: the raw bytes show no page at all."""
    data = pdf(21, object_streams=True)
    assert b"/ObjStm" in data and b"/Type /XRef" in data
    assert re.findall(rb"/Type\s*/Pages?\b", data) == []
    assert count(data) == 21


@pytest.mark.parametrize("pages", [1, 20, 21])
@pytest.mark.parametrize("object_streams", [False, True])
def test_pages_are_counted_with_either_kind_of_xref(pages, object_streams):
    assert count(pdf(pages, object_streams)) == pages


def test_the_page_tree_is_walked_not_its_count_trusted():
    data = pdf(21, count=1)
    assert b"/Count 1 " in data
    assert count(data) == 21


def test_encrypted_with_an_empty_password_is_counted():
    assert count(encrypted(3, user="")) == 3


def test_encrypted_with_a_password_is_refused():
    with pytest.raises(pdfcheck.PdfError, match="encrypted with a password"):
        count(encrypted(3, user="secret"))


@pytest.mark.parametrize(
    "data", [b"%PDF-1.7\nnothing else", pdf(5)[: len(pdf(5)) // 2], b"%PDF-1.5\n" + b"\0" * 5000]
)
def test_unreadable_pdfs_are_a_pdf_error(data):
    with pytest.raises(pdfcheck.PdfError, match="cannot be read"):
        count(data)


def test_signature_is_looked_for_in_the_first_kilobyte_only():
    assert pdfcheck.is_pdf(b"junk" * 10 + pdf(1))
    assert not pdfcheck.is_pdf(b"\0" * pdfcheck.HEADER_WINDOW + pdf(1))
    assert not pdfcheck.is_pdf(b"GIF89a")
