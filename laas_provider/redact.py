"""Keep project codes and preset hashes out of LiteLLM's own log output.

LiteLLM redacts API keys in its logs, but its debug output prints deployment parameters,
ours included (``project_code``, ``preset_hash``). This filter, installed on LiteLLM's
loggers and their handlers, masks those parameters by name and every secret value the
plugin has seen.
"""

from __future__ import annotations

import logging
import os
import re

from .errors import scrub

LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")
_NAMED = re.compile(
    r"""(?P<key>['"]?(?:project_code|preset_hash|api_key)['"]?\s*[:=]\s*)(?P<q>['"])[^'"]*(?P=q)"""
)
_known: set[str] = set()


def remember(*secrets: str) -> None:
    """Values to mask wherever they show up (at least 4 characters, to avoid noise)."""
    _known.update(s for s in secrets if s and len(s) >= 4)


def redact(text: str) -> str:
    return scrub(_NAMED.sub(r"\g<key>\g<q>REDACTED\g<q>", text), _known)


class LaaSRedactionFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is LiteLLM's to report, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_filter = LaaSRedactionFilter()


def install() -> None:
    """Attach the filter to LiteLLM's loggers and their handlers (idempotent)."""
    remember(
        *(os.environ.get(n, "") for n in ("LAAS_API_KEY", "LAAS_PROJECT_CODE", "LAAS_PRESET_HASH"))
    )
    for name in LITELLM_LOGGERS:
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            if _filter not in target.filters:
                target.addFilter(_filter)
