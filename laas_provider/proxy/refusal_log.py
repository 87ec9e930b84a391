"""A client's mistake in the proxy's log: one WARNING line, no traceback.

LiteLLM logs a 4xx that carries an ``llm_provider`` at ERROR with its traceback, taking it
for an upstream fault; a plugin refusal (a bad PDF, a bad parameter) is the client's to fix
and already names the place and the limit. The refusal is marked by ``errors.bad_request``;
this filter drops the traceback from the proxy's log line and makes it a WARNING, for marked
exceptions only (an ERROR stays for what an operator must look at).
"""

from __future__ import annotations

import logging
import sys

from ..errors import CLIENT_MISTAKE

PROXY_LOGGER = "LiteLLM Proxy"


class DropRefusalTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if getattr(exc, CLIENT_MISTAKE, False):
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def install() -> None:
    """In the proxy only; idempotent."""
    if "litellm.proxy.proxy_server" not in sys.modules:
        return
    logger = logging.getLogger(PROXY_LOGGER)
    if not any(isinstance(f, DropRefusalTraceback) for f in logger.filters):
        logger.addFilter(DropRefusalTraceback())
