"""The LaaS body sent in pieces: the same bytes as one ``orjson.dumps``, without a full copy."""

from __future__ import annotations

import asyncio
import tracemalloc

import orjson

from laas_provider import body as body_module
from laas_provider.body import SLICE, STREAM_MIN, JsonBody
from tests.media import data_url, pdf


def laas_body(*texts: str) -> dict:
    parts = [{"type": "text", "text": t} for t in texts]
    return {"hash": "h", "params": {}, "messages": [{"role": "user", "content": parts}]}


def test_small_body_is_one_orjson_dump():
    body = laas_body("hello")
    sent = JsonBody(body)
    assert not sent.streamed
    assert bytes(sent) == orjson.dumps(body)
    assert len(sent) == len(orjson.dumps(body))


def test_big_strings_are_streamed_as_the_same_json():
    url = data_url("application/pdf", pdf(2, total=STREAM_MIN))
    text = 'quotes " and \\ and\nnewlines, ünïcödé, 한국어 ' * (STREAM_MIN // 30)
    body = laas_body("before", text, "between")
    body["messages"][0]["content"].append({"type": "document", "document_url": {"url": url}})
    body["messages"].append({"role": "user", "content": [{"type": "text", "text": "after"}]})
    sent = JsonBody(body)
    assert sent.streamed
    expected = orjson.dumps(body)
    assert b"".join(sent.stream()) == expected
    assert len(sent) == len(expected)
    assert max(len(piece) for piece in sent.stream()) <= 4 * SLICE  # UTF-8 at worst


def test_async_pieces_match_the_sync_ones():
    body = laas_body("x" * STREAM_MIN)

    async def collect() -> bytes:
        return b"".join([piece async for piece in JsonBody(body).astream()])

    assert asyncio.run(collect()) == orjson.dumps(body)


def test_a_body_that_contains_the_placeholder_is_not_split(monkeypatch):
    monkeypatch.setattr(body_module.secrets, "token_hex", lambda n: "fixedtoken")
    body = laas_body("fixedtoken-0", "y" * STREAM_MIN)
    sent = JsonBody(body)
    assert bytes(sent) == orjson.dumps(body)
    assert len(sent) == len(orjson.dumps(body))


def test_sending_a_40_mb_data_url_holds_no_copy_of_it():
    url = "data:application/pdf;base64," + "QUJD" * 10_000_000  # 40 MB
    body = laas_body("summarise")
    body["messages"][0]["content"].append({"type": "document", "document_url": {"url": url}})
    tracemalloc.start()
    try:
        sent = JsonBody(body)
        written = sum(len(piece) for piece in sent.stream())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    wrapper = len(',{"type":"document","document_url":{"url":""}}')
    assert written == len(sent) == len(url) + len(orjson.dumps(laas_body("summarise"))) + wrapper
    assert peak < len(url) / 20  # a few slices, never the payload
