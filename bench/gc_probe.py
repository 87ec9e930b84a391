"""Loaded inside the benchmark proxy (as a dummy ``custom_handler``): records the proxy's full
garbage collections and, when asked, freezes its start-up heap.

The LiteLLM proxy holds ~0.7 million GC-tracked objects after start-up, so each full
(generation 2) collection pauses every request in flight for ~0.3 s; under 32 clients one
comes every few seconds. ``BENCH_GC_LOG`` names a file that gets one line per full
collection (``<unix time> <ms>``); SIGUSR1 makes the proxy move everything alive into the
permanent generation (``gc.collect(); gc.freeze()``), which is what a deployment can do to
make those pauses short (the bench sends it after warming both models up, so lazily
imported modules are frozen too). Benchmark-only: never imported by the plugin.
"""

from __future__ import annotations

import gc
import os
import signal
import threading
import time

from litellm import CustomLLM

_started: list[float] = []


def _record(phase: str, info: dict) -> None:
    if info.get("generation") != 2:
        return
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started and (path := os.environ.get("BENCH_GC_LOG")):
        with open(path, "a") as log:
            log.write(f"{time.time():.3f} {1000 * (time.perf_counter() - _started[0]):.1f}\n")


def _freeze(*_: object) -> None:
    gc.collect()
    gc.freeze()
    if path := os.environ.get("BENCH_GC_LOG"):
        with open(path, "a") as log:
            log.write(f"# frozen {gc.get_freeze_count()} objects\n")


if _record not in gc.callbacks:
    gc.callbacks.append(_record)
if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGUSR1, _freeze)

handler = CustomLLM()  # never called: the module is listed only to be imported
