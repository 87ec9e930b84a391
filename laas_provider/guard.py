"""The dotted path users put in ``config.yaml``: ``laas_provider.guard.request_guard``.

The guard lives in ``laas_provider.proxy.guard``. As before, loading this module puts the
raw-body check in front of the running proxy's app (once; a no-op outside the proxy).
"""

from __future__ import annotations

from .proxy.guard import install_body_check, request_guard

__all__ = ["request_guard"]

install_body_check()
