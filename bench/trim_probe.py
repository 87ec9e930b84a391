"""Loaded into a benchmark proxy (``litellm_settings.callbacks``): on SIGUSR1 it runs a full
``gc.collect()`` (garbage in reference cycles), on SIGUSR2 glibc's ``malloc_trim(0)`` (free
heap pages handed back to the OS). The big-payload bench (``--trim``) reads the RSS after
each: what the first frees was garbage awaiting a collection, what the second frees was
memory glibc kept free. Benchmark-only: never imported by the plugin."""

from __future__ import annotations

import ctypes
import gc
import signal
import threading

from litellm.integrations.custom_logger import CustomLogger


def _trim(*_: object) -> None:
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def _collect(*_: object) -> None:
    gc.collect()


if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGUSR1, _collect)
    signal.signal(signal.SIGUSR2, _trim)

probe = CustomLogger()
