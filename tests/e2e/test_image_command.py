"""The Docker image's runtime contract, run here without Docker: the Dockerfile's own
ENTRYPOINT + CMD, its ENV, config.yaml at the path the image serves, an unprivileged user
(when the tests run as root), and its HEALTHCHECK command — against the emulator.

What this cannot show is the build itself (no Docker engine here): tests/test_dockerfile.py
lints it, and docs/gateway.md says how the build's install steps were checked.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import laas_provider

from ..docker_files import dockerfile
from .gateway import CONFIG_PATH, chat, shipped_config, shipped_env
from .harness import BIN, MASTER_KEY, Process, free_port

FINAL = dockerfile()[-1]
NOBODY = 65534


def image_env(home: Path, port: int) -> dict[str, str]:
    """The final stage's ENV, with paths that exist here, and loopback instead of 0.0.0.0."""
    env = {key: value.replace("$PATH", os.environ["PATH"]) for key, value in FINAL.env().items()}
    env.update(
        PATH=f"{BIN}:{os.environ['PATH']}",
        HOME=str(home),
        LITELLM_MIGRATION_DIR=str(home / "migrations"),
        HOST="127.0.0.1",  # tests listen on loopback only; the image says 0.0.0.0
        PORT=str(port),
    )
    return env


def unprivileged() -> bool:
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


def as_unprivileged(argv: list[str]) -> list[str]:
    if not unprivileged():
        return argv
    setpriv = shutil.which("setpriv")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv]


def reachable_by_others(path: Path) -> bool:
    """Whether a user other than the owner can get to ``path``: every directory above it lets
    others through. A clone under a 0700 directory (root's home) does not."""
    return all(os.stat(parent).st_mode & stat.S_IXOTH for parent in path.resolve().parents)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # same file system: no data copied
    except OSError:
        shutil.copy2(src, dst)


def runtime(root: Path) -> tuple[list[str], dict[str, str]]:
    """How the unprivileged user runs the image's ENTRYPOINT (argv prefix, extra env).

    The checkout's own .venv when it can reach it. Otherwise (a clone under a 0700
    directory) a hard-linked copy of the venv and a copy of the package under ``root``,
    which it can reach: a venv is not relocatable, so its Python runs the entry script
    itself, and PYTHONPATH puts the package copy before the editable install's source path.
    """
    venv = BIN.parent
    source = Path(laas_provider.__file__).resolve().parent
    entry = FINAL.last("ENTRYPOINT").exec_form()[0]
    if not unprivileged() or (reachable_by_others(venv) and reachable_by_others(source)):
        return [str(BIN / entry)], {}
    copy = root / "venv"
    shutil.copytree(venv, copy, symlinks=True, copy_function=_link_or_copy)
    shutil.copytree(source, root / "src" / source.name,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    return [str(copy / "bin" / "python"), str(copy / "bin" / entry)], {
        "PYTHONPATH": str(root / "src")
    }


def check_runnable(prefix: list[str], env: dict[str, str]) -> None:
    """Skip, saying why, only where the unprivileged user truly cannot run Python here (e.g.
    the base interpreter itself lives under a 0700 home)."""
    if not unprivileged():
        return
    python = prefix[0] if len(prefix) > 1 else str(BIN / "python")
    probe = "import importlib.util, laas_provider; assert importlib.util.find_spec('litellm')"
    result = subprocess.run(as_unprivileged([python, "-c", probe]), env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    if result.returncode != 0:
        pytest.skip(
            f"user {NOBODY} cannot run this checkout's Python even from a readable copy "
            f"({python}): {result.stderr.strip().splitlines()[-1:]}"
        )


@pytest.fixture(scope="module")
def image(emulator, log_dir):
    # Outside pytest's (owner-only) temporary directory, so the unprivileged user reaches it.
    root = Path(tempfile.mkdtemp(prefix="laas-image-"))
    try:
        yield from serve_image(root, emulator, log_dir)
    finally:
        shutil.rmtree(root, ignore_errors=True)  # hard links: the checkout's venv is untouched


def serve_image(root: Path, emulator, log_dir):
    os.chmod(root, 0o755)
    app, home = root / "app", root / "home"  # the image's WORKDIR /app and /home/app
    app.mkdir(mode=0o755)
    home.mkdir(mode=0o755)
    if os.geteuid() == 0:
        os.chown(home, NOBODY, NOBODY)
    cmd = FINAL.last("CMD").exec_form()
    config_in_image = cmd[cmd.index("--config") + 1]
    config = app / Path(config_in_image).name
    shutil.copy(CONFIG_PATH, config)
    os.chmod(config, 0o644)
    prefix, runtime_env = runtime(root)
    argv = [*FINAL.last("ENTRYPOINT").exec_form()[1:], *cmd]
    argv = [*prefix, *[str(config) if a == config_in_image else a for a in argv]]
    port = free_port()
    env = {**image_env(home, port), **shipped_env(emulator), "LITELLM_MASTER_KEY": MASTER_KEY}
    env.update(runtime_env)
    check_runnable(prefix, env)
    server = Process("image-command", as_unprivileged(argv), env, log_dir)
    server.url, server.master_key = f"http://127.0.0.1:{port}", MASTER_KEY
    server.port = port
    server.cwd = app
    try:
        server.start(f"{server.url}/health/liveliness", seconds=90)
        yield server
    finally:
        server.stop()


def healthcheck(port: int) -> subprocess.CompletedProcess:
    probe = FINAL.last("HEALTHCHECK").exec_form()
    assert probe[0] == "python"
    return subprocess.run([sys.executable, *probe[1:]], env={**os.environ, "PORT": str(port)},
                          capture_output=True, timeout=30)  # fmt: skip


def test_the_image_command_serves_config_yaml(image, emulator):
    for model in [m["model_name"] for m in shipped_config()["model_list"]]:
        response = chat(image, model)
        assert response.status_code == 200, response.text
    assert len(emulator.received()) == 3


def test_the_image_command_runs_unprivileged(image):
    if os.geteuid() != 0:
        pytest.skip("the tests run unprivileged already")
    status = Path(f"/proc/{image.process.pid}/status").read_text()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert uid_line.split()[1:] == [str(NOBODY)] * 4, uid_line


def test_the_healthcheck_passes_against_the_running_proxy(image):
    result = healthcheck(image.port)
    assert result.returncode == 0, result.stderr


def test_the_healthcheck_fails_when_nothing_answers():
    result = healthcheck(free_port())
    assert result.returncode != 0
