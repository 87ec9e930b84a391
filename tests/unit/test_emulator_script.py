"""Scripted answers (``POST /_emulator/script``): a queue per preset, and per conversation
when a ``match`` text is given, so a multi-step agent task is answered turn by turn while the
agent's other calls get the usual answers."""

from __future__ import annotations

import httpx

from laas_provider.emulator import create_app, preset_hash

CHAT = "/api/preset/v2/chat/completions"
CREDS = {"project": "P", "apiKey": "K"}


def client() -> httpx.AsyncClient:
    app = create_app("P", "K")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emu")


def body(*texts: str) -> dict:
    return {
        "hash": preset_hash("agent"),
        "messages": [{"role": "user", "content": t} for t in texts],
    }


async def ask(emu: httpx.AsyncClient, *texts: str) -> str:
    response = await emu.post(CHAT, json=body(*texts), headers=CREDS)
    return response.json()["choices"][0]["message"]["content"]


async def test_a_conversation_script_answers_only_its_conversation_in_order():
    async with client() as emu:
        script = {"preset": "agent", "match": "task A", "answers": ["A1", "A2"]}
        assert (await emu.post("/_emulator/script", json=script)).json() == {"queued": 2}
        await emu.post("/_emulator/script", json={"preset": "agent", "answers": ["any"]})
        assert await ask(emu, "do task A") == "A1"
        assert await ask(emu, "title for this chat?") == "any"  # a side call: the open queue
        assert await ask(emu, "do task A", "Tool result: ok") == "A2"
        assert (await ask(emu, "do task A")).startswith("[laas-emulator]")  # script used up
        received = (await emu.get("/_emulator/received")).json()
        assert len(received) == 4  # every call is recorded, scripted or not


async def test_a_script_match_must_be_a_string():
    async with client() as emu:
        script = {"preset": "agent", "match": 5, "answers": ["x"]}
        assert (await emu.post("/_emulator/script", json=script)).status_code == 400
