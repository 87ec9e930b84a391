"""The emulator's OpenAI-compatible endpoint answers exactly like its LaaS endpoint."""

from __future__ import annotations

import json
import time

import httpx

from laas_provider.emulator import create_app, preset_hash

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]


async def post(path: str, body: dict, headers: dict | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app("P", "K"))
    async with httpx.AsyncClient(transport=transport, base_url="http://emu") as client:
        return await client.post(path, json=body, headers=headers or {})


async def test_same_text_as_the_laas_endpoint():
    laas = await post("/api/preset/v2/chat/completions",
                      {"hash": preset_hash("echo"), "params": {}, "messages": MESSAGES},
                      {"project": "P", "apiKey": "K"})  # fmt: skip
    native = await post("/v1/chat/completions", {"model": "x", "messages": MESSAGES})
    text = native.json()["choices"][0]["message"]["content"]
    assert text == laas.json()["choices"][0]["message"]["content"]
    assert native.json()["usage"] == laas.json()["usage"]


async def test_stream_rebuilds_the_same_text_with_usage_when_asked():
    plain = await post("/v1/chat/completions", {"model": "x", "messages": MESSAGES})
    streamed = await post("/v1/chat/completions",
                          {"model": "x", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}})  # fmt: skip
    events = [line[6:] for line in streamed.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == plain.json()["choices"][0]["message"]["content"]
    assert chunks[-1]["usage"] == plain.json()["usage"]


async def test_both_endpoints_wait_the_configured_latency(monkeypatch):
    monkeypatch.setenv("LAAS_EMULATOR_LATENCY_MS", "60")
    app = create_app("P", "K")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emu") as client:
        for path, body, headers in (
            ("/v1/chat/completions", {"model": "x", "messages": MESSAGES}, {}),
            ("/api/preset/v2/chat/completions",
             {"hash": preset_hash("echo"), "params": {}, "messages": MESSAGES},
             {"project": "P", "apiKey": "K"}),
        ):  # fmt: skip
            started = time.perf_counter()
            response = await client.post(path, json=body, headers=headers)
            assert response.status_code == 200
            assert time.perf_counter() - started >= 0.06
