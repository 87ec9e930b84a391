"""Freeze the proxy's heap once it has warmed up, so its full garbage collections stay short.

After start-up the LiteLLM proxy holds ~0.7 million objects the cyclic GC tracks; a full
(generation 2) collection walks all of them, pausing every request in flight for ~0.3 s.
``gc.freeze()`` moves everything alive into a generation the GC never walks. Done once,
after the first requests (so lazily imported modules and pools are in), later full
collections only walk what requests create. Objects frozen this way are still freed by
reference counting; only cycles among them are never collected (they were start-up state).

Listed in ``litellm_settings.callbacks`` as ``laas_provider.gc_freeze.freezer``.
"""

from __future__ import annotations

import gc
import logging

from litellm.integrations.custom_logger import CustomLogger

log = logging.getLogger("laas_provider")

WARM_UP_CALLS = 20  # calls (answered or failed) before the heap is frozen


class GcFreezer(CustomLogger):
    def __init__(self, after: int = WARM_UP_CALLS) -> None:
        super().__init__()
        self.left = after

    def _count(self) -> None:
        if self.left <= 0:
            return
        self.left -= 1
        if self.left == 0:
            gc.collect()
            gc.freeze()
            log.info("heap frozen after warm-up: %d objects", gc.get_freeze_count())

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time) -> None:
        self._count()

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time) -> None:
        self._count()


freezer = GcFreezer()
