"""Keep project codes and preset hashes out of LiteLLM's own log output; the package's one
masker (``mask`` for error messages, through ``errors.scrub``; ``mask_each`` for the
probe's report).

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

Every deployment's secrets are known before its first call: the ``LAAS_*`` variables (every
``LAAS_PRESET_HASH*``) at start, and each LaaS deployment of the proxy's router whenever its
model list changes (``sync_deployments``). This module imports nothing of the package but
``deployment``: whoever knows a secret hands it here — the handler registers itself when it
is built (``remember_handler``: which providers of ``litellm.custom_provider_map`` are LaaS)
and remembers each deployment it resolves, ``settings`` the values of ``.env`` it reads. So a line about one deployment — a fallback
message quoting another's error, an upstream body echoing another's preset — is masked too.
The filter also cleans a record's traceback text (``exc_text``) and ``stack_info``, and sits
on the root and uvicorn handlers as well as LiteLLM's.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from ..deployment import SECRET_ENV, SECRET_ENV_PREFIXES, SECRET_NAMES

MASK = "***"
LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")
# Loggers whose handlers also get the filter: the root's (records of loggers that propagate,
# e.g. LiteLLM's per-module ones) and uvicorn's (ASGI tracebacks, access lines).
OTHER_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")
ENV_REF = "os.environ/"
MIN_LENGTH = 4  # shorter values would mask noise
CLIENT_VALUES_MAX = 1024  # recent client-sent values remembered (distinct), oldest dropped
CLIENT_SUBSTRINGS_MAX = 32  # of which values that are not one token (matched as substrings)
# The deployment's secret keys by name, and LaaS's names for them (the ``apiKey`` and
# ``project`` headers, the body's ``hash``).
_SECRET_KEYS = "|".join(map(re.escape, SECRET_NAMES))
_NAMED = re.compile(
    rf"""(?P<key>['"]?(?:{_SECRET_KEYS}|apiKey|project|hash)['"]?\s*[:=]\s*)"""
    r"""(?P<q>['"])[^'"]*(?P=q)"""
)
# The same names unquoted, as an upstream echoes them (``apiKey=K project=P hash=H``): only
# names that cannot mean anything else, and ``hash`` only before a long hex value.
_NAMED_BARE = re.compile(
    rf"""(?P<key>\b(?:{_SECRET_KEYS}|apiKey|apikey)\s*[:=]\s*)"""
    r"""(?!REDACTED|\*\*\*)[^\s'",;&)}\]]+"""
    r"""|(?P<hkey>\bhash\s*[:=]\s*)[0-9A-Fa-f]{32,}\b"""
)
# What project codes, preset hashes and API keys are made of: a value made only of these
# characters is found in a log line as one whole token, by a set lookup.
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")

_lock = threading.Lock()
_configured: set[str] = set()
_configured_sorted: tuple[str, ...] = ()  # longest first; rebuilt only when the set changes
_client: OrderedDict[str, None] = OrderedDict()  # recent client-sent single-token values
_client_substrings: OrderedDict[str, None] = OrderedDict()
_synced: tuple[int, int] | None = None  # (id, length) of the router model list last read
_handlers: weakref.WeakSet[Any] = weakref.WeakSet()  # the LaaS handlers built (remember_handler)


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


def _value(value: Any) -> str | None:
    """A deployment parameter as the proxy will use it: ``os.environ/NAME`` read."""
    if not isinstance(value, str):
        return None
    if value.startswith(ENV_REF):
        return os.environ.get(value[len(ENV_REF) :])
    return value


def remember_handler(handler: Any) -> None:
    """A LaaS handler, as it is built: the providers ``litellm.custom_provider_map`` maps to
    it are LaaS's, and their deployments' secrets are masked (``sync_deployments``)."""
    global _synced
    _handlers.add(handler)
    _synced = None  # the model list is read again with this handler's providers


def _laas_providers() -> frozenset[str]:
    import litellm

    return frozenset(
        str(item.get("provider"))
        for item in litellm.custom_provider_map or ()
        if isinstance(item, Mapping) and item.get("custom_handler") in _handlers
    )


def deployment_secrets(model_list: Iterable[Any], providers: frozenset[str]) -> list[str]:
    """The secrets of the LaaS deployments in a router's model list."""
    found = []
    for deployment in model_list:
        params = deployment.get("litellm_params") if isinstance(deployment, Mapping) else None
        if not isinstance(params, Mapping):
            continue
        model = params.get("model")
        provider = params.get("custom_llm_provider") or (
            model.split("/", 1)[0] if isinstance(model, str) and "/" in model else None
        )
        if provider not in providers:
            continue
        found.extend(v for v in map(_value, map(params.get, SECRET_NAMES)) if v)
    return found


def sync_deployments() -> None:
    """Remember the secrets of every LaaS deployment the proxy's router holds; cheap when
    its model list has not changed (one identity and length check)."""
    global _synced
    proxy = sys.modules.get("litellm.proxy.proxy_server")  # never import the proxy here
    router = getattr(proxy, "llm_router", None)
    models = getattr(router, "model_list", None)
    if not isinstance(models, list):
        return
    state = (id(models), len(models))
    if state == _synced:
        return
    _synced = state
    try:
        remember(*deployment_secrets(list(models), _laas_providers()))
    except Exception:  # masking must never break a log line; the handler remembers per call
        _synced = None


def environment_secrets(env: Mapping[str, str]) -> list[str]:
    """``LAAS_API_KEY``, ``LAAS_PROJECT_CODE`` and every ``LAAS_PRESET_HASH*`` value."""
    return [
        value
        for name, value in env.items()
        if value and (name in SECRET_ENV or name.startswith(SECRET_ENV_PREFIXES))
    ]


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


def _bare(match: re.Match[str]) -> str:
    return (match.group("key") or match.group("hkey")) + MASK


def mask_each(text: str, longest_first: Iterable[str], ignore_case: bool = False) -> str:
    """``text`` with each value masked, in the order given (longest first, so a value that
    contains another is masked whole); ``ignore_case`` for a service that may echo a value in
    another case (the probe's report)."""
    for secret in longest_first:
        if ignore_case:
            text = re.sub(re.escape(secret), MASK, text, flags=re.IGNORECASE)
        elif secret in text:
            text = text.replace(secret, MASK)
    return text


def mask(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Mask every secret value (API key, project code, preset hash) found in ``text``: the
    given ``secrets`` (a call's own, whatever their length) and every deployment's (an
    upstream may echo any of them), then the names LaaS and LiteLLM print them under
    (``apiKey=…``, ``'hash': '…'``). Error messages use it (``errors.scrub``); log records
    get ``redact`` through the filter."""
    own = sorted((s for s in secrets if s), key=len, reverse=True)
    return redact(mask_each(text, own))


def redact(text: str) -> str:
    """A log line with the secrets' named values, every deployment's secrets and the recent
    client-sent values masked."""
    text = _NAMED.sub(r"\g<key>\g<q>REDACTED\g<q>", text)
    text = _NAMED_BARE.sub(_bare, text)
    sync_deployments()
    text = mask_each(text, _configured_sorted)
    if _client:
        text = _TOKEN.sub(_mask_token, text)
    if _client_substrings:
        text = mask_each(text, sorted(_client_substrings, key=len, reverse=True))
    return text


class LaaSRedactionFilter(logging.Filter):
    """Cleans a record's message, its traceback text and its stack (formatters print
    ``exc_text`` when it is set, LiteLLM's JSON and truncating ones too)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is LiteLLM's to report, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            with contextlib.suppress(Exception):  # an odd exc_info is the formatter's to report
                record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_filter = LaaSRedactionFilter()


def install() -> None:
    """Remember the environment's ``LAAS_*`` secrets (``.env``'s come from ``settings`` as it
    reads the file); attach the filter to LiteLLM's loggers and to the handlers of LiteLLM's,
    the root's and uvicorn's loggers (idempotent)."""
    remember(*environment_secrets(os.environ))
    sync_deployments()
    for name in (*LITELLM_LOGGERS, *OTHER_LOGGERS):
        logger = logging.getLogger(name)
        targets = (logger, *logger.handlers) if name in LITELLM_LOGGERS else logger.handlers
        for target in targets:
            if _filter not in target.filters:
                target.addFilter(_filter)
