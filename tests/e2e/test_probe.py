"""`laas-check --probe` run as users run it, against the real emulator process.

The emulator answers as docs/assumptions.md assumes, so every row agrees; each deviation
switch (emulator/behaviour.py) must turn its own row to `disagree` and the exit status to 3,
in the default run or in `--probe media` (the opt-in image and PDF rows).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from laas_provider.emulator import behaviour
from laas_provider.probe import catalogue, media_catalogue, model
from laas_provider.probe import run as runner
from laas_provider.settings import resolve

from .harness import BIN, Emulator

PROBE_CALLS = len(catalogue.build_probes())
CHAT_CALLS = PROBE_CALLS - 1  # all but GET /api/preset/{hash}
MEDIA_ROWS = {c.id for p in media_catalogue.build_media_probes() for c in p.checks}


@pytest.fixture(scope="module")
def probe_emulator(log_dir) -> Iterator[Emulator]:
    # Its own emulator: deviations are switched on and off here, never on the shared one.
    with Emulator(log_dir, project_code="PROBE_E2E_PRJ_41", api_key="probe-e2e-key-9d2c7a") as emu:
        yield emu


@pytest.fixture
def emu(probe_emulator: Emulator) -> Iterator[Emulator]:
    probe_emulator.reset()
    deviate(probe_emulator)
    yield probe_emulator
    deviate(probe_emulator)


def deviate(emu: Emulator, *names: str) -> None:
    httpx.post(f"{emu.url}/_emulator/behaviour", json={"deviate": list(names)}).raise_for_status()


def run_probe(tmp_path: Path, env: dict[str, str], *args: str, module: bool = False,
              stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess:  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LAAS_")}
    clean.update(env, LITELLM_LOCAL_MODEL_COST_MAP="True")
    argv = ([sys.executable, "-m", "laas_provider.check"] if module
            else [str(BIN / "laas-check")])  # fmt: skip
    return subprocess.run([*argv, "--probe", *args], env=clean, cwd=tmp_path, stdin=stdin,
                          capture_output=True, text=True, timeout=180)  # fmt: skip


def report_of(out_dir: Path) -> tuple[dict, str]:
    [json_path] = out_dir.glob("laas-probe-*.json")
    [md_path] = out_dir.glob("laas-probe-*.md")
    return json.loads(json_path.read_text()), md_path.read_text()


def secrets(emu: Emulator) -> tuple[str, ...]:
    env = emu.laas_env()
    return env["LAAS_API_KEY"], env["LAAS_PROJECT_CODE"], env["LAAS_PRESET_HASH"]


def test_probe_against_the_emulator_agrees_on_every_row(tmp_path, emu):
    out = tmp_path / "reports"
    done = run_probe(tmp_path, emu.laas_env(), "--yes", "--out-dir", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"plan: {PROBE_CALLS} calls" in done.stdout
    assert f"{PROBE_CALLS} calls made" in done.stdout and "0 disagree, 0 unknown" in done.stdout
    data, markdown = report_of(out)
    assert {row["verdict"] for row in data["rows"]} == {"agree"}
    assert not {row["id"] for row in data["rows"]} & MEDIA_ROWS  # opt-in only
    assert data["calls_made"] == PROBE_CALLS <= model.MAX_CALLS
    assert data["tokens_used"] <= data["completion_token_bound"]
    assert markdown.count("**agree**") == len(data["rows"])
    # Each probe is one call: the emulator recorded every chat call once (all but the
    # bad-key one, which its header check refuses before recording).
    assert len(emu.received()) == CHAT_CALLS - 1
    for text in (done.stdout, done.stderr, json.dumps(data), markdown):
        for secret in secrets(emu):
            assert secret not in text


def test_python_dash_m_runs_it_too_and_a_deviation_exits_3(tmp_path, emu):
    deviate(emu, "ignore_stop", "created_seconds")
    done = run_probe(tmp_path, emu.laas_env(), "--yes", "--out-dir", str(tmp_path), module=True)
    assert done.returncode == 3, done.stdout + done.stderr
    data, _ = report_of(tmp_path)
    disagree = {row["id"] for row in data["rows"] if row["verdict"] == "disagree"}
    assert disagree == {"stop", "created"}
    assert data["exit_status"] == 3


# Each switch and the rows it must turn to `disagree` (others may follow where a refusal
# hides the answer they would be judged from, e.g. images need list content).
DEVIATION_ROWS = {
    "refuse_content_string": {"content_string"},
    "refuse_content_list": {"content_list", "temperature", "image_url", "image_png",
                            "image_jpeg", "pdf"},
    "ignore_max_tokens": {"max_tokens"},
    "odd_finish_reason": {"finish_reason", "max_tokens"},
    "ignore_response_format": {"response_format"},
    "ignore_stop": {"stop"},
    "refuse_sampling": {"temperature"},
    "stream_sse": {"stream"},
    "native_tools": {"tools"},
    "refuse_image_url": {"image_url"},
    "refuse_pdf": {"pdf"},
    "accept_webp": {"image_webp"},
    "accept_gif": {"image_gif"},
    "accept_pdf_url": {"pdf_url"},
    "error_text": {"error_unknown_hash", "error_bad_key"},
    "created_seconds": {"created"},
    "no_model": {"model"},
    "usage_input_tokens": {"usage"},
    "no_preset_info": {"preset_info"},
}  # fmt: skip


# The same for the switches of `--probe media`'s rows (the split PDF is not sent when the
# whole one is taken, so `accept_long_pdfs` leaves that row `unknown`).
MEDIA_DEVIATION_ROWS = {
    "accept_four_images": {"images_four"},
    "count_images_per_request": {"images_spread"},
    "refuse_consecutive_users": {"users_consecutive", "images_spread"},
    "accept_long_pdfs": {"pdf_21_pages"},
    "count_pages_per_request": {"pdf_split_parts"},
    "refuse_over_1568_px": {"image_5000px"},
}


def test_every_deviation_switch_is_covered():
    assert not set(DEVIATION_ROWS) & set(MEDIA_DEVIATION_ROWS)
    assert set(DEVIATION_ROWS) | set(MEDIA_DEVIATION_ROWS) == set(behaviour.DEVIATIONS)


@pytest.mark.parametrize("deviation", sorted(DEVIATION_ROWS))
def test_each_deviation_turns_its_row_to_disagree(tmp_path, emu, deviation, capsys):
    # In-process (the same code as the command, without a Python start per case), over HTTP.
    deviate(emu, deviation)
    code = runner.main(resolve(None, None, {}, env=emu.laas_env()), tmp_path, assume_yes=True)
    data, _ = report_of(tmp_path)
    disagree = {row["id"] for row in data["rows"] if row["verdict"] == "disagree"}
    assert disagree == DEVIATION_ROWS[deviation], capsys.readouterr().out
    assert code == 3


@pytest.mark.parametrize("deviation", sorted(MEDIA_DEVIATION_ROWS))
def test_each_media_deviation_turns_its_row_to_disagree(tmp_path, emu, deviation, capsys):
    deviate(emu, deviation)
    code = runner.main(resolve(None, None, {}, env=emu.laas_env()), tmp_path, assume_yes=True,
                       media=True)  # fmt: skip
    data, _ = report_of(tmp_path)
    disagree = {row["id"] for row in data["rows"] if row["verdict"] == "disagree"}
    assert disagree == MEDIA_DEVIATION_ROWS[deviation], capsys.readouterr().out
    assert code == 3


def test_probe_media_agrees_with_the_emulator_and_advises_the_keys(tmp_path, emu):
    done = run_probe(tmp_path, emu.laas_env(), "media", "--yes", "--out-dir", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    plan = runner.budget(media_catalogue.build_media_probes())
    assert "plan: 6 calls" in done.stdout and f"about {plan.input_tokens:,} input" in done.stdout
    assert "pdf_21_pages         ~ 63,016 input tokens" in done.stdout
    data, markdown = report_of(tmp_path)
    assert {r["id"] for r in data["rows"]} == MEDIA_ROWS and data["probes"] == "media"
    assert {r["verdict"] for r in data["rows"]} == {"agree"} and data["calls_made"] == 6
    assert len(emu.received()) == 6  # the split PDF too: the whole one was refused
    for key in ("`spread_images: true` is safe", "`split_pdfs: true` is safe",
                "`image_max_side` may be raised"):  # fmt: skip
        assert key in done.stdout and key in markdown and any(key in a for a in data["advice"])
    for text in (done.stdout, done.stderr, json.dumps(data), markdown):
        for secret in secrets(emu):
            assert secret not in text


def test_emulator_deviate_flag_at_start(tmp_path, log_dir):
    emu = Emulator(log_dir)
    emu.argv += ["--deviate", "accept_gif,no_model"]
    with emu:
        code = runner.main(resolve(None, None, {}, env=emu.laas_env()), tmp_path, assume_yes=True)
    data, _ = report_of(tmp_path)
    assert {r["id"] for r in data["rows"] if r["verdict"] == "disagree"} == {"image_gif", "model"}
    assert code == 3


def test_bad_key_stops_at_the_first_401(tmp_path, emu):
    env = dict(emu.laas_env(), LAAS_API_KEY="probe-wrong-key-3141")
    done = run_probe(tmp_path, env, "--yes", "--out-dir", str(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "stopped: LaaS refused your credentials (HTTP 401)" in done.stderr
    data, markdown = report_of(tmp_path)
    assert data["calls_made"] == 1 and emu.received() == []  # the preset check, no chat call
    for text in (done.stdout, done.stderr, json.dumps(data), markdown):
        assert "probe-wrong-key-3141" not in text and emu.api_key not in text


def test_without_a_terminal_nothing_is_spent_unless_yes(tmp_path, emu):
    done = run_probe(tmp_path, emu.laas_env())
    assert done.returncode == 1 and "--yes" in done.stderr
    assert "plan:" in done.stdout and "completion tokens" in done.stdout
    assert emu.received() == [] and not list(tmp_path.glob("laas-probe-*"))
