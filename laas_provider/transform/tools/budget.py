"""A bound on the work one validation may do, whatever the schema and the answer (pure).

Within the schema limits, jsonschema's work still grows with schema x answer (`anyOf` over
many branches, for each of many items; patterns over long strings). Each keyword applied costs
one step, each pattern search a step per 16 characters searched; past VALIDATION_STEPS, or
VALIDATION_SECONDS on the clock, the validation stops and the answer is reported as too costly
to check, a problem like any other (so the event loop is never held longer).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .limits import VALIDATION_SECONDS, VALIDATION_STEPS


class OverBudget(Exception):
    pass


_left = threading.local()  # per thread: LiteLLM runs sync completions in worker threads


def start() -> None:
    _left.steps = VALIDATION_STEPS
    _left.calls = 0
    _left.deadline = time.perf_counter() + VALIDATION_SECONDS


def spend(steps: int) -> None:
    try:
        left = _left.steps - steps
    except AttributeError:  # a validator used without start(): a fresh budget
        start()
        left = _left.steps - steps
    _left.steps = left
    _left.calls += 1
    # The clock every 64 calls: each is a few microseconds, so the deadline holds within ~1 ms.
    if left < 0 or (_left.calls & 63 == 0 and time.perf_counter() > _left.deadline):
        raise OverBudget


def counted(keyword: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def applied(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        spend(1)
        return keyword(validator, value, instance, schema)

    return applied
