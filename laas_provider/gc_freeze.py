"""The dotted path users put in ``config.yaml``: ``laas_provider.gc_freeze.freezer``.

The freezer lives in ``laas_provider.proxy.gc_freeze``.
"""

from __future__ import annotations

from .proxy.gc_freeze import freezer

__all__ = ["freezer"]
