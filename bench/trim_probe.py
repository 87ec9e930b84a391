"""Loaded into a benchmark proxy (``litellm_settings.callbacks``): on SIGUSR2 it runs glibc's
``malloc_trim(0)``, which hands free heap pages back to the OS. The big-payload bench
(``--trim``) reads the RSS before and after: what drops is memory glibc kept free, not
objects still alive. Benchmark-only: never imported by the plugin."""

from __future__ import annotations

import ctypes
import signal
import threading

from litellm.integrations.custom_logger import CustomLogger


def _trim(*_: object) -> None:
    ctypes.CDLL("libc.so.6").malloc_trim(0)


if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGUSR2, _trim)

probe = CustomLogger()
