"""The plugin's one line per LaaS call: its answer id and model name as JSON fields when
LiteLLM's json_logs is on, plain text at DEBUG otherwise (tests/e2e/test_monitoring.py reads
the same lines from a real proxy)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import litellm
import pytest

from laas_provider.logs import setup


@pytest.fixture
def lines(monkeypatch) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    extra = logging.StreamHandler(stream)
    extra.setFormatter(setup._Formatter("%(levelname)s %(message)s"))
    setup.log.addHandler(extra)
    before = setup.log.level
    setup.log.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the cache
    try:
        yield stream
    finally:
        setup.log.removeHandler(extra)
        setup.log.setLevel(before)


def test_with_json_logs_each_call_is_a_json_object_with_id_and_model(lines, monkeypatch):
    monkeypatch.setattr(litellm, "json_logs", True)
    setup._log_call("claude-4-sonnet", 200, 12.345, "laas-answer-1")
    record = json.loads(lines.getvalue())
    assert record["laas_id"] == "laas-answer-1" and record["laas_model"] == "claude-4-sonnet"
    assert record["laas_status"] == 200 and record["laas_ms"] == 12.3
    assert record["level"] == "INFO" and record["component"] == "laas_provider"


def test_an_error_without_an_answer_id_has_no_id_field(lines, monkeypatch):
    monkeypatch.setattr(litellm, "json_logs", True)
    setup._log_call("claude-4-sonnet", 503, 5.0, {"not": "an id"})
    record = json.loads(lines.getvalue())
    assert "laas_id" not in record and record["laas_status"] == 503


def test_without_json_logs_the_line_is_debug_text(lines, monkeypatch):
    monkeypatch.setattr(litellm, "json_logs", False)
    setup._log_call("claude-4-sonnet", 200, 3.0, "laas-answer-2")
    assert lines.getvalue() == ""  # INFO level: silent, as before
    setup.log.setLevel(logging.DEBUG)
    setup._log_call("claude-4-sonnet", 200, 3.0, "laas-answer-2")
    assert (
        lines.getvalue()
        == "DEBUG LaaS answered 200 for claude-4-sonnet in 3 ms (id laas-answer-2)\n"
    )
