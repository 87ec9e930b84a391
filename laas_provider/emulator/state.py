"""The emulator's mutable state: presets, queued faults, what it received (one per app)."""

from __future__ import annotations

import itertools
from collections import deque
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
    disconnected: int = 0
    deviations: frozenset[str] = frozenset()  # see behaviour.py (emulator only)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
