"""The emulator standing in for several LaaS projects: each project's own key, calls counted
per project, queued faults aimed at one project, and the ``--project CODE:KEY`` option."""

from __future__ import annotations

import httpx
import pytest

from laas_provider.emulator import create_app, preset_hash
from laas_provider.emulator.__main__ import _project

BODY = {"hash": preset_hash("echo"), "messages": [{"role": "user", "content": "Hi"}]}
CHAT = "/api/preset/v2/chat/completions"


def client() -> httpx.AsyncClient:
    app = create_app("P1", "K1", projects={"P2": "K2", "P3": "K3"})
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emu")


def creds(project: str, key: str) -> dict[str, str]:
    return {"project": project, "apiKey": key}


async def test_each_project_opens_only_with_its_own_key():
    async with client() as emu:
        for project, key in (("P1", "K1"), ("P2", "K2"), ("P3", "K3")):
            assert (await emu.post(CHAT, json=BODY, headers=creds(project, key))).status_code == 200
        for project, key in (("P1", "K2"), ("P2", "K1"), ("P2", ""), ("P4", "K3"), ("", "")):
            response = await emu.post(CHAT, json=BODY, headers=creds(project, key))
            assert response.status_code == 401, (project, key)


async def test_calls_are_counted_per_project_and_reset():
    async with client() as emu:
        for project, key in (("P1", "K1"), ("P2", "K2"), ("P2", "K2")):
            await emu.post(CHAT, json=BODY, headers=creds(project, key))
        assert (await emu.get("/_emulator/stats")).json()["by_project"] == {"P1": 1, "P2": 2}
        await emu.post("/_emulator/reset")
        assert (await emu.get("/_emulator/stats")).json()["by_project"] == {}


async def test_a_fault_for_one_project_leaves_the_others_alone():
    async with client() as emu:
        await emu.post("/_emulator/faults", json=[{"status": 503, "count": 2, "project": "P2"}])
        statuses = []
        for project, key in (("P1", "K1"), ("P2", "K2"), ("P1", "K1"), ("P2", "K2"), ("P2", "K2")):
            response = await emu.post(CHAT, json=BODY, headers=creds(project, key))
            statuses.append(response.status_code)
        assert statuses == [200, 503, 200, 503, 200]


async def test_faults_without_a_project_still_hit_the_next_call_in_order():
    async with client() as emu:
        await emu.post(
            "/_emulator/faults", json=[{"status": 429}, {"status": 500, "project": "P3"}]
        )
        first = await emu.post(CHAT, json=BODY, headers=creds("P3", "K3"))
        second = await emu.post(CHAT, json=BODY, headers=creds("P3", "K3"))
        third = await emu.post(CHAT, json=BODY, headers=creds("P3", "K3"))
        assert [first.status_code, second.status_code, third.status_code] == [429, 500, 200]


def test_project_option_takes_code_and_key():
    assert _project("LB_A:key:with:colons") == ("LB_A", "key:with:colons")
    for bad in ("LB_A", ":key", "LB_A:"):
        with pytest.raises(Exception, match="CODE:KEY"):
            _project(bad)
