"""Masking our deployment secrets in LiteLLM's own log records."""

from __future__ import annotations

import logging

from laas_provider import redact


def test_named_parameters_are_masked_in_reprs_and_kwargs():
    text = "params: {'project_code': 'PRJ_X', \"preset_hash\": \"abc\"} call(project_code='PRJ_X', api_key='k1')"
    cleaned = redact.redact(text)
    assert "PRJ_X" not in cleaned and "abc" not in cleaned and "k1" not in cleaned
    assert "project_code': 'REDACTED'" in cleaned


def test_remembered_values_are_masked_anywhere():
    redact.remember("SEEN_PROJECT_123", "ab")
    assert (
        redact.redact("calling SEEN_PROJECT_123 now ab") == "calling *** now ab"
    )  # too short: kept


def test_filter_rewrites_the_record_once_formatted():
    redact.remember("FILTER_SECRET_999")
    record = logging.LogRecord(
        "LiteLLM", logging.DEBUG, __file__, 1, "deployment %s", ("FILTER_SECRET_999",), None
    )
    assert redact.LaaSRedactionFilter().filter(record)
    assert record.getMessage() == "deployment ***"


def test_install_attaches_to_litellm_loggers_once():
    redact.install()
    redact.install()
    logger = logging.getLogger("LiteLLM Router")
    assert logger.filters.count(redact._filter) == 1
