"""The emulator's mutable state: presets, queued faults, what it received (one per app)."""

from __future__ import annotations

import itertools
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from .faults import Fault
from .presets import Preset


@dataclass
class State:
    project_code: str
    api_key: str
    presets: dict[str, Preset]
    faults: list[Fault] = field(default_factory=list)
    # Bounded, so long benchmark runs do not grow the emulator (tests reset between cases).
    received: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=10_000))
    # Client (host, port) pairs seen: one per TCP connection, so tests can check reuse.
    connections: set[tuple[str, int]] = field(default_factory=set)
    latency: float = 0.0  # seconds added to every chat answer (LAAS_EMULATOR_LATENCY_MS)
    # The model's speed, tokens per second (0: instant): paces streamed answers, and delays
    # a whole answer by the time it would take to stream (--token-rate, streaming.py).
    token_rate: float = 0.0
    disconnected: int = 0
    # Scripted answers per (preset hash, match text) (POST /_emulator/script), used before
    # anything else; match "" answers any call of the preset.
    scripted: dict[tuple[str, str], deque[dict[str, Any]]] = field(default_factory=dict)
    deviations: frozenset[str] = frozenset()  # see behaviour.py (emulator only)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # More projects (code -> apiKey) accepted besides the first: one emulator can stand in
    # for several LaaS projects, as load-balancing tests need.
    projects: dict[str, str] = field(default_factory=dict)
    # Chat calls per `project` header, so tests can see how a router spread its traffic.
    by_project: Counter[str] = field(default_factory=Counter)

    def accepts(self, project: str | None, api_key: str | None) -> bool:
        if project == self.project_code:
            return api_key == self.api_key
        return project is not None and api_key is not None and self.projects.get(project) == api_key
