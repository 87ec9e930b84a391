"""Keep project codes and preset hashes out of LiteLLM's own log output.

LiteLLM redacts API keys in its logs, but its debug output prints deployment parameters,
ours included (``project_code``, ``preset_hash``). This filter, installed on LiteLLM's
loggers and their handlers, masks:

- those parameters (and LaaS's names for them: the ``project``/``apiKey`` headers, the
  body's ``hash``) by name, wherever they are printed as ``name: 'value'`` — no memory;
- the secrets of the deployments (``remember``): a set bounded by the configuration,
  masked as substrings wherever they appear;
- the values clients sent themselves on ``allow_client_preset`` deployments
  (``remember_client``): only the most recent ``CLIENT_VALUES_MAX`` distinct ones, looked up
  per token of the log line, so neither memory nor the cost of a log line grows with the
  number of clients that ever called (a process-wide set of every value seen, matched one by
  one, was a slow denial of service any client of such a deployment could drive).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict

from .errors import MASK, mask_each

LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")
MIN_LENGTH = 4  # shorter values would mask noise
CLIENT_VALUES_MAX = 1024  # recent client-sent values remembered (distinct), oldest dropped
CLIENT_SUBSTRINGS_MAX = 32  # of which values that are not one token (matched as substrings)
_NAMED = re.compile(
    r"""(?P<key>['"]?(?:project_code|preset_hash|api_key|apiKey|project|hash)['"]?\s*[:=]\s*)"""
    r"""(?P<q>['"])[^'"]*(?P=q)"""
)
# What project codes, preset hashes and API keys are made of: a value made only of these
# characters is found in a log line as one whole token, by a set lookup.
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")

_lock = threading.Lock()
_configured: set[str] = set()
_configured_sorted: tuple[str, ...] = ()  # longest first; rebuilt only when the set changes
_client: OrderedDict[str, None] = OrderedDict()  # recent client-sent single-token values
_client_substrings: OrderedDict[str, None] = OrderedDict()


def remember(*secrets: str) -> None:
    """Deployment secrets (configuration, environment): masked as substrings, kept."""
    global _configured_sorted
    new = {s for s in secrets if s and len(s) >= MIN_LENGTH} - _configured
    if not new:
        return
    with _lock:
        _configured.update(new)
        _configured_sorted = tuple(sorted(_configured, key=len, reverse=True))


def remember_client(*values: str) -> None:
    """Values a client sent (``allow_client_preset``): the most recent few are masked."""
    for value in values:
        if not value or len(value) < MIN_LENGTH or value in _configured:
            continue
        if _TOKEN.fullmatch(value):
            _remember_recent(_client, value, CLIENT_VALUES_MAX)
        else:
            _remember_recent(_client_substrings, value, CLIENT_SUBSTRINGS_MAX)


def _remember_recent(recent: OrderedDict[str, None], value: str, limit: int) -> None:
    with _lock:
        recent[value] = None
        recent.move_to_end(value)
        while len(recent) > limit:
            recent.popitem(last=False)


def remembered() -> dict[str, int]:
    """How many values are remembered, by kind (for tests and diagnostics)."""
    return {
        "configured": len(_configured),
        "client": len(_client),
        "client_substrings": len(_client_substrings),
    }


def _mask_token(match: re.Match[str]) -> str:
    token = match.group()
    return MASK if token in _client else token


def redact(text: str) -> str:
    text = _NAMED.sub(r"\g<key>\g<q>REDACTED\g<q>", text)
    text = mask_each(text, _configured_sorted)
    if _client:
        text = _TOKEN.sub(_mask_token, text)
    if _client_substrings:
        text = mask_each(text, sorted(_client_substrings, key=len, reverse=True))
    return text


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
