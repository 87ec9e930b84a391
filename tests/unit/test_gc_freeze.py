"""The heap-freezing callback: freezes once, after the warm-up calls, never again."""

from __future__ import annotations

import asyncio

from laas_provider.proxy import gc_freeze


def test_heap_is_frozen_once_after_the_warm_up_calls(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(gc_freeze.gc, "collect", lambda: calls.append("collect"))
    monkeypatch.setattr(gc_freeze.gc, "freeze", lambda: calls.append("freeze"))
    freezer = gc_freeze.GcFreezer(after=3)

    async def calls_answered(n: int, failed: bool = False) -> None:
        for _ in range(n):
            log = freezer.async_log_failure_event if failed else freezer.async_log_success_event
            await log({}, None, None, None)

    asyncio.run(calls_answered(2))
    assert calls == []
    asyncio.run(calls_answered(1, failed=True))  # failed calls count as warm-up too
    assert calls == ["collect", "freeze"]
    asyncio.run(calls_answered(50))
    assert calls == ["collect", "freeze"]
