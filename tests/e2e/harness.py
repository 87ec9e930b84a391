"""Real processes for end-to-end tests: the LaaS emulator and the LiteLLM proxy, on loopback.

Each is started with a free port, waited for, and stopped (terminate, then kill) by the
harness; their output goes to a log file that tests can read (e.g. to look for leaks).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

import httpx
import yaml

from laas_provider.emulator import preset_hash

BIN = Path(sys.executable).parent
PROJECT_CODE = "E2E_TEST_PROJECT"
API_KEY = "e2e-test-api-key-0123456789"
MASTER_KEY = "sk-e2e-master"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A child process with a log file, started and waited for by ``start``."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.cwd: Path | None = None  # working directory (None: the tests')

    def start(self, health_url: str, seconds: float = 60) -> None:
        self.spawn()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{self.log()}")
            try:
                if httpx.get(health_url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {health_url} in {seconds} s:\n{self.log()}")

    def spawn(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class Emulator(Process):
    def __init__(self, log_dir: Path, project_code: str = PROJECT_CODE, api_key: str = API_KEY,
                 projects: dict[str, str] | None = None,
                 extra_args: tuple[str, ...] = ()):  # fmt: skip
        """``projects``: more project codes (-> apiKey) the emulator accepts; ``extra_args``
        more command-line options (e.g. ``--token-rate``)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.project_code = project_code
        self.api_key = api_key
        argv = [str(BIN / "python"), "-m", "laas_provider.emulator", "--port", str(self.port),
                "--project-code", project_code, "--api-key", api_key]  # fmt: skip
        for code, key in (projects or {}).items():
            argv += ["--project", f"{code}:{key}"]
        argv += list(extra_args)
        super().__init__(f"emulator-{self.port}", argv, dict(os.environ), log_dir)

    def start(self, health_url: str | None = None, seconds: float = 30) -> None:
        super().start(health_url or f"{self.url}/_emulator/health", seconds)

    def laas_env(self, preset: str = "echo") -> dict[str, str]:
        return {
            "LAAS_API_BASE": self.url,
            "LAAS_PROJECT_CODE": self.project_code,
            "LAAS_API_KEY": self.api_key,
            "LAAS_PRESET_HASH": preset_hash(preset),
        }

    def received(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/_emulator/received").json()

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_emulator/stats").json()

    def queue_fault(self, **fault: Any) -> None:
        httpx.post(f"{self.url}/_emulator/faults", json=fault).raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.url}/_emulator/reset").raise_for_status()


class Proxy(Process):
    """``litellm --config <config>`` with the package as installed, on 127.0.0.1."""

    def __init__(self, config: dict[str, Any] | str, env: dict[str, str], log_dir: Path,
                 name: str = "proxy", extra_args: tuple[str, ...] = ()):  # fmt: skip
        """``config``: a dict, or a YAML text written as it is (e.g. one taken from the docs)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.master_key = MASTER_KEY
        config_path = log_dir / f"{name}-{self.port}.yaml"
        # Callbacks are loaded as files next to the config first (see cost_log.py).
        shutil.copy(Path(__file__).with_name("cost_log.py"), log_dir / "cost_log.py")
        self.cost_log = log_dir / f"{name}-{self.port}-cost.jsonl"
        config_path.write_text(
            config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False)
        )
        full_env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True",
                        LITELLM_MASTER_KEY=MASTER_KEY, COST_LOG=str(self.cost_log), **env)  # fmt: skip
        for name_ in ("DATABASE_URL", "LITELLM_LOG"):
            full_env.pop(name_, None)
        argv = [str(BIN / "litellm"), "--config", str(config_path), "--host", "127.0.0.1",
                "--port", str(self.port), *extra_args]  # fmt: skip
        super().__init__(f"{name}-{self.port}", argv, full_env, log_dir)

    def start(self, health_url: str | None = None, seconds: float = 90) -> None:
        super().start(health_url or f"{self.url}/health/liveliness", seconds)

    def costs(self) -> list[dict[str, Any]]:
        """What the cost_log callback recorded (if the config lists ``cost_log.recorder``)."""
        if not self.cost_log.exists():
            return []
        return [json.loads(line) for line in self.cost_log.read_text().splitlines()]


class Redis(Process):
    """Debian's ``redis-server`` on a free loopback port, in memory only (no RDB/AOF files)."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.host = "127.0.0.1"
        argv = [self.binary() or "redis-server", "--bind", self.host, "--port", str(self.port),
                "--save", "", "--appendonly", "no", "--protected-mode", "yes",
                "--dir", str(log_dir)]  # fmt: skip
        super().__init__(f"redis-{self.port}", argv, dict(os.environ), log_dir)

    @staticmethod
    def binary() -> str | None:
        """The redis-server executable, or None (install it with scripts/system-deps.sh)."""
        return shutil.which("redis-server") or next(
            (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).exists()),
            None,
        )

    def ping(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self, health_url: str | None = None, seconds: float = 20) -> None:
        self.spawn()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{self.log()}")
            if self.ping():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer PING in {seconds} s:\n{self.log()}")


def provider_map() -> dict[str, Any]:
    return {
        "custom_provider_map": [
            {"provider": "laas", "custom_handler": "laas_provider.laas_provider"}
        ]
    }
