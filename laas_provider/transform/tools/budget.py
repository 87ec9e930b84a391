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


_left = threading.local()


def start() -> None:
    _left.steps = VALIDATION_STEPS
    _left.deadline = time.perf_counter() + VALIDATION_SECONDS


def spend(steps: int) -> None:
    left = getattr(_left, "steps", VALIDATION_STEPS) - steps
    _left.steps = left
    if left < 0 or time.perf_counter() > getattr(_left, "deadline", float("inf")):
        raise OverBudget


def counted(keyword: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def applied(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        spend(1)
        return keyword(validator, value, instance, schema)

    return applied
