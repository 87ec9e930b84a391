"""The plugin's logging: its handler (plain text, or LiteLLM's JSON lines), the redaction
filter on it, and the one line per LaaS call. Redaction itself is ``logs.redact``."""

from __future__ import annotations

import logging
import os
from typing import Any

import litellm
from litellm._logging import CorrelationContextFilter, JsonFormatter

from . import redact

log = logging.getLogger("laas_provider")


class _Formatter(logging.Formatter):
    """Plain text, or LiteLLM's JSON lines when its ``json_logs`` is on (read per record: the
    proxy may turn it on after this module is imported); ``extra=`` fields become JSON keys."""

    json = JsonFormatter()

    def format(self, record: logging.LogRecord) -> str:
        if litellm.json_logs:
            return self.json.format(record)
        return super().format(record)


def _configure_logging() -> None:
    # LAAS_LOG_LEVEL=DEBUG shows what the plugin does; it never logs keys, projects or presets.
    # One INFO line per LaaS call is written when JSON logs are on (see _log_call).
    if log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(_Formatter("laas_provider %(levelname)s %(message)s"))
    handler.addFilter(redact.LaaSRedactionFilter())
    # Stamps LiteLLM's trace_id on our lines when litellm_settings.request_correlation_in_logs.
    handler.addFilter(CorrelationContextFilter())
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(os.environ.get("LAAS_LOG_LEVEL", "INFO").upper())


def _log_call(model: str, status: int, elapsed_ms: float, answer_id: Any = None) -> None:
    """One line per LaaS call that got an answer, for following a request through the logs:
    LaaS's answer id (also the id the client gets) and the deployment's model name — never
    the preset hash. INFO with JSON logs (an operator's stream), DEBUG otherwise."""
    level = logging.INFO if litellm.json_logs else logging.DEBUG
    if not log.isEnabledFor(level):
        return
    fields = {"laas_model": model, "laas_status": status, "laas_ms": round(elapsed_ms, 1)}
    if isinstance(answer_id, str | int) and answer_id != "":
        fields["laas_id"] = str(answer_id)
    log.log(
        level,
        "LaaS answered %s for %s in %.0f ms (id %s)",
        status, model, elapsed_ms, fields.get("laas_id", "-"),
        extra=fields,
    )  # fmt: skip


def install() -> None:
    """Set up the plugin's logger and put the redaction filter on LiteLLM's loggers."""
    _configure_logging()
    redact.install()
