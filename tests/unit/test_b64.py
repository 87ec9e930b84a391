"""Reading base64 payloads without decoding them whole."""

from __future__ import annotations

import base64
import binascii
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laas_provider.transform.media import b64


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=2000), data=st.data())
def test_any_byte_range_reads_as_the_decoded_bytes(raw, data):
    text = "data:x;base64," + base64.b64encode(raw).decode()
    start = text.index(",") + 1
    assert b64.decoded_size(text, start) == len(raw)
    b64.validate(text, start)
    f = b64.open_payload(text, start, buffer_size=7)
    pos = data.draw(st.integers(0, len(raw) + 3))
    n = data.draw(st.integers(0, len(raw) + 3))
    f.seek(pos)
    assert f.read(n) == raw[pos : pos + n]
    f.seek(-min(len(raw), 5), io.SEEK_END)
    assert f.read() == raw[len(raw) - min(len(raw), 5) :]


@pytest.mark.parametrize(
    ("payload", "words"),
    [("ab!d", "outside the base64 alphabet"), ("ab=d", "padding in the middle"), ("abcé", "non-ASCII"),
     ("ab\ncd==", "outside")],
)  # fmt: skip
def test_invalid_payloads_are_named(payload, words):
    with pytest.raises(ValueError, match=words):
        b64.validate("x," + payload, 2)


def test_validation_crosses_chunk_boundaries(monkeypatch):
    monkeypatch.setattr(b64, "CHUNK", 8)
    text = "," + "QUJD" * 10 + "QU!D" + "QUJD"
    with pytest.raises(ValueError):
        b64.validate(text, 1)


def test_length_must_be_a_multiple_of_four():
    with pytest.raises(ValueError, match="multiple of 4"):
        b64.decoded_size(",abcde", 1)


def stdlib_size(payload: str) -> int | None:
    """The reference: strict stdlib decoding (length a multiple of 4, as data URLs must be)."""
    if len(payload) % 4:
        return None
    try:
        return len(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError):
        return None


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="QUJD+/=!é \n-_", max_size=16),
        st.binary(max_size=30).map(lambda b: base64.b64encode(b).decode()),
        st.tuples(st.binary(max_size=30), st.integers(0, 40), st.sampled_from("=!\n -")).map(
            lambda t: (lambda s: s[: t[1]] + t[2] + s[t[1] :])(base64.b64encode(t[0]).decode())
        ),
    )
)
def test_accepts_exactly_what_strict_stdlib_decoding_accepts(payload):
    text = "data:x;base64," + payload
    start = text.index(",") + 1
    try:
        ours: int | None = b64.decoded_size(text, start)
        b64.validate(text, start)
    except ValueError:
        ours = None
    assert ours == stdlib_size(payload)
