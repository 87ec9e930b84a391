"""An ordinary request's latency beside some heavy or hostile work on the same proxy: the
proof that nothing a request carries holds the proxy's one event loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import openai


def ordinary(client: openai.OpenAI) -> float:
    """Seconds for one small chat on ``laas-chat``."""
    started = time.perf_counter()
    reply = client.chat.completions.create(
        model="laas-chat", messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.choices[0].message.content
    return time.perf_counter() - started


def alone(client: openai.OpenAI) -> float:
    """The ordinary request's worst time on its own, right now (the machine is shared)."""
    ordinary(client)
    return max(ordinary(client) for _ in range(8))


def beside_ordinary(client, send: Callable[[], object], times: int = 2) -> tuple[list, float]:
    """Send the hostile request ``times`` while ordinary requests run in a loop beside it;
    what each hostile request raised or returned, and the worst ordinary latency meanwhile."""
    stop = threading.Event()
    latencies: list[float] = []

    def loop() -> None:
        while not stop.is_set() or len(latencies) < 2:
            latencies.append(ordinary(client))

    runner = threading.Thread(target=loop)
    runner.start()
    time.sleep(0.05)
    outcomes: list = []
    for _ in range(times):
        try:
            outcomes.append(send())
        except openai.APIStatusError as exc:
            outcomes.append(exc)
    stop.set()
    runner.join()
    return outcomes, max(latencies)
