"""One masker (logs.redact) for log lines, error messages and the probe's report."""

from __future__ import annotations

from laas_provider import errors
from laas_provider.logs import redact
from laas_provider.probe import report

from .fresh_imports import loaded_by


def test_error_messages_use_the_one_masker():
    text = "key SHORT and SECRET_KEY_1 echoed; apiKey=OTHER_9"
    assert errors.scrub(text, ["SECRET_KEY_1", "SHORT", None]) == redact.mask(
        text, ["SECRET_KEY_1", "SHORT"]
    )
    assert redact.mask(text, ["SECRET_KEY_1", "SHORT"]) == "key *** and *** echoed; apiKey=***"


def test_the_longest_value_is_masked_whole():
    assert redact.mask_each("ABCDEF", ["ABCDEF", "ABC"]) == "***"
    assert redact.mask_each("abcdef", ["ABCDEF"]) == "abcdef"
    assert redact.mask_each("abcdef", ["ABCDEF"], ignore_case=True) == "***"


def test_the_probe_masks_its_own_secrets_in_any_case_and_skips_short_ones():
    mask = report.masker(("PROJECT_X", "key", ""))
    assert mask("project_x and Project_X and key") == "*** and *** and key"


def test_the_masker_sits_below_errors():
    watched = ("laas_provider.errors", "litellm")
    assert loaded_by(("laas_provider.logs.redact",), watched) == []
