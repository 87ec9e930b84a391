"""The direct handler script (`python -m laas_provider.check`) against the real emulator."""

from __future__ import annotations

import os
import subprocess
import sys


def run_check(tmp_path, env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAAS_")}
    env.update(env_overrides, LITELLM_LOCAL_MODEL_COST_MAP="True")
    return subprocess.run(
        [sys.executable, "-m", "laas_provider.check", *args],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_script_finds_the_preset_and_prints_the_answer(tmp_path, emulator):
    done = run_check(tmp_path, emulator.laas_env("qa"), "What is LaaS?", "--param", "question=Why")
    assert done.returncode == 0, done.stderr
    assert "preset found" in done.stdout
    assert "system: Answer the question: Why" in done.stdout
    assert "last user: What is LaaS?" in done.stdout
    assert emulator.api_key not in done.stdout + done.stderr


def test_check_script_reads_dotenv(tmp_path, emulator):
    lines = [f"{k}={v}" for k, v in emulator.laas_env().items()]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    done = run_check(tmp_path, {})
    assert done.returncode == 0, done.stderr
    assert "preset=echo" in done.stdout


def test_check_script_reports_wrong_key_without_showing_it(tmp_path, emulator):
    env = dict(emulator.laas_env(), LAAS_API_KEY="wrong-key-123456")
    done = run_check(tmp_path, env)
    assert done.returncode == 1
    assert "HTTP 401" in done.stdout
    assert "wrong-key-123456" not in done.stdout + done.stderr


def test_check_script_reports_unknown_preset(tmp_path, emulator):
    env = dict(emulator.laas_env(), LAAS_PRESET_HASH="ab" * 32)
    done = run_check(tmp_path, env)
    assert done.returncode == 1
    assert "HTTP 404" in done.stdout
    assert "ab" * 32 not in done.stdout + done.stderr


def test_check_script_names_missing_settings(tmp_path):
    done = run_check(tmp_path, {})
    assert done.returncode == 2
    assert "LAAS_API_KEY" in done.stderr and "LAAS_PRESET_HASH" in done.stderr


def test_not_configured_is_said_before_litellm_is_loaded(tmp_path):
    # `import litellm` takes seconds (15 s on a busy machine): "not configured" must not wait.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAAS_")}
    code = ("import sys; from laas_provider import check; rc = check.main([]); "
            "print(rc, 'litellm' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.stdout.split() == ["2", "False"], done.stdout + done.stderr
    assert "LAAS_PROJECT_CODE" in done.stderr


def test_help_is_plain_text_and_names_no_stale_call_count(tmp_path):
    done = run_check(tmp_path, {}, "--help")
    assert done.returncode == 0
    assert "``" not in done.stdout and "at most 20" not in done.stdout
    assert "--probe" in done.stdout and "asks before" in done.stdout
