"""How long the event loop is held while some work runs: a 1 ms ticker's gaps beside it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable


async def gaps_beside(work: Awaitable[object]) -> list[float]:
    """The seconds between a 1 ms ticker's wake-ups on this loop while ``work`` runs."""
    gaps: list[float] = []
    stop = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        await work
    finally:
        stop.set()
        await ticker
    return gaps
