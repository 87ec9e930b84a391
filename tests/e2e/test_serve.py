"""scripts/serve.py (what scripts/serve.sh runs) as a user meets it: which LaaS it serves, a
busy port, and how fast it stops. Each test starts it in a subprocess with a clean LAAS_*
environment, in an empty working directory (no .env), on free loopback ports."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .harness import Emulator, free_port

pytestmark = pytest.mark.e2e

SERVE = Path(__file__).resolve().parents[2] / "scripts" / "serve.py"
MASTER = "sk-serve-test"


def serve_env(**laas: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAAS_")}
    env.update(LITELLM_MASTER_KEY=MASTER, LITELLM_LOCAL_MODEL_COST_MAP="True", **laas)
    env.pop("DATABASE_URL", None)
    env["PORT"] = env.get("PORT_FOR_TEST", str(free_port()))
    env.setdefault("LAAS_EMULATOR_PORT", str(free_port()))
    return env


def start(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    # Its own session, so that a failing test can kill serve.py with its children.
    return subprocess.Popen([sys.executable, str(SERVE)], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def kill_all(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def run_to_exit(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str]:
    """serve.py run until it exits by itself (a refusal), and what it printed."""
    process = start(env, cwd)
    try:
        out, _ = process.communicate(timeout=60)
    finally:
        kill_all(process)
    return process, out


def wait_live(port: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/liveliness", timeout=1).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    kill_all(process)
    raise AssertionError(f"serve.py did not come up on :{port}")


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def chat(port: str) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/v1/chat/completions",
        headers={"Authorization": f"Bearer {MASTER}"},
        json={"model": "claude-4-sonnet", "messages": [{"role": "user", "content": "Hi"}]},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"LAAS_API_KEY": "user-key"}, ["LAAS_PROJECT_CODE", "LAAS_PRESET_HASH"]),
        ({"LAAS_API_BASE": "https://laas.example", "LAAS_PROJECT_CODE": "P"}, ["LAAS_API_KEY"]),
    ],
)
def test_partial_credentials_refuse_to_start_and_name_what_is_missing(tmp_path, given, missing):
    env = serve_env(**given)
    process, out = run_to_exit(env, tmp_path)
    assert process.returncode == 2, out
    for name in missing:
        assert name in out
    assert "EMULATOR" not in out and "incomplete" in out
    assert "user-key" not in out  # names only, never values
    assert not listening(int(env["LAAS_EMULATOR_PORT"])) and not listening(int(env["PORT"]))


def test_a_busy_proxy_port_is_an_error_not_a_second_proxy(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = serve_env()
        env["PORT"] = str(taken.getsockname()[1])
        process, out = run_to_exit(env, tmp_path)
    assert process.returncode == 2, out
    assert f"port {env['PORT']}" in out and "already in use" in out and "PORT" in out
    assert not listening(int(env["LAAS_EMULATOR_PORT"]))  # nothing was started


def test_a_busy_emulator_port_is_an_error_not_the_old_emulator(tmp_path, log_dir):
    # An emulator already answers there (a first serve.sh): it must not be reused.
    with Emulator(log_dir) as old:
        env = serve_env(LAAS_EMULATOR_PORT=str(old.port))
        process, out = run_to_exit(env, tmp_path)
    assert process.returncode == 2, out
    assert f"port {old.port}" in out and "LAAS_EMULATOR_PORT" in out
    assert not listening(int(env["PORT"]))


def test_full_credentials_are_used_as_given(tmp_path, emulator):
    env = serve_env(**emulator.laas_env())
    process = start(env, tmp_path)
    try:
        wait_live(env["PORT"], process)
        before = len(emulator.received())
        reply = chat(env["PORT"])
        assert reply.status_code == 200, reply.text
        assert len(emulator.received()) == before + 1  # the user's LaaS, not a new emulator
        assert not listening(int(env["LAAS_EMULATOR_PORT"]))
        process.terminate()
        out, _ = process.communicate(timeout=30)
    finally:
        kill_all(process)
    assert "using the LaaS credentials" in out and "EMULATOR" not in out


def test_without_credentials_it_serves_the_emulator_and_stops_promptly_on_sigterm(tmp_path):
    env = serve_env()
    process = start(env, tmp_path)
    try:
        wait_live(env["PORT"], process)
        assert chat(env["PORT"]).status_code == 200
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=60)
        stopped_in = time.monotonic() - started
    finally:
        kill_all(process)
    assert "EMULATOR" in out
    assert process.returncode == 0, out
    # Both children are gone with it (ports free); a generous bound on the stop time.
    assert not listening(int(env["PORT"])) and not listening(int(env["LAAS_EMULATOR_PORT"]))
    print(f"serve.py stopped {stopped_in:.1f} s after SIGTERM")
    assert stopped_in < 8, stopped_in


def stamp(*files: str) -> str:
    import hashlib

    root = SERVE.parents[1]
    return hashlib.sha256(b"".join((root / f).read_bytes() for f in files)).hexdigest()


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_serve_sh_needs_only_the_runtime_lock(tmp_path, lock):
    # A venv holding the runtime lock (or the dev lock, a superset) is served as it is: no
    # install of the 1 GB dev lock just to serve. The venv's python records how it was run.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text('#!/bin/sh\necho "served with: $*"\n')
    python.chmod(0o755)
    (venv / ".installed").write_text(stamp(lock, "pyproject.toml") + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAAS_")}
    env["LAAS_VENV"] = str(venv)
    done = subprocess.run(["bash", str(SERVE.with_name("serve.sh"))], env=env, text=True,
                          capture_output=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "served with: scripts/serve.py" in done.stdout
    assert "installing" not in done.stderr
