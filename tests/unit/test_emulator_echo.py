"""The emulator's ``echo`` fault: an upstream that repeats each call's own credentials in its
error (what tests/e2e/test_secrets.py checks the proxy masks)."""

from __future__ import annotations

import httpx

from laas_provider.emulator import create_app, preset_hash

CHAT = "/api/preset/v2/chat/completions"
HEADERS = {"project": "P1", "apiKey": "K1"}


async def test_an_echo_fault_repeats_the_calls_own_credentials_as_json_or_html():
    app = create_app("P1", "K1")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emu") as emu:
        faults = [{"status": 503, "echo": True}, {"status": 500, "echo": True, "body": "<html>"}]
        await emu.post("/_emulator/faults", json=faults)
        for name in ("echo", "qa"):
            body = {"hash": preset_hash(name), "messages": [{"role": "user", "content": "hi"}]}
            response = await emu.post(CHAT, json=body, headers=HEADERS)
            expected = f"denied: apiKey=K1 project=P1 hash={preset_hash(name)}"
            assert expected in response.text, response.text
        assert response.status_code == 500 and response.text.startswith("<html>")
        spec = {"hash": preset_hash("qa"), "params": {"emulator_fault": "status=401;echo=1"}}
        response = await emu.post(CHAT, json=spec, headers=HEADERS)
        assert response.status_code == 401
        assert response.json() == {
            "message": f"denied: apiKey=K1 project=P1 hash={preset_hash('qa')}"
        }
