"""A plugin refusal in the proxy's log: one WARNING line without a traceback; anything else
keeps LiteLLM's level and traceback."""

from __future__ import annotations

import logging

from laas_provider.errors import bad_request, refuse
from laas_provider.proxy.refusal_log import DropRefusalTraceback


def record_for(exc: Exception) -> logging.LogRecord:
    try:
        raise exc
    except Exception as caught:
        return logging.LogRecord("LiteLLM Proxy", logging.ERROR, __file__, 1,
                                 "Exception occured - %s", (caught,), (type(caught), caught,
                                 caught.__traceback__))  # fmt: skip


def test_a_refusal_is_one_warning_line_without_its_traceback():
    record = record_for(bad_request(refuse("logprobs", "leave it out"), "m"))
    assert DropRefusalTraceback().filter(record) is True
    assert (record.levelno, record.levelname) == (logging.WARNING, "WARNING")
    assert record.exc_info is None and "\n" not in logging.Formatter().format(record)


def test_an_upstream_fault_stays_an_error_with_its_traceback():
    record = record_for(RuntimeError("LaaS answered 500"))
    DropRefusalTraceback().filter(record)
    assert record.levelname == "ERROR" and record.exc_info is not None
    assert "Traceback" in logging.Formatter().format(record)
