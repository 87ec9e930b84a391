"""Start the LiteLLM proxy with config.yaml; on the LaaS emulator when no credentials are set.

Real credentials come from the environment or .env (LAAS_API_KEY, LAAS_PROJECT_CODE, and
LAAS_PRESET_HASH or one LAAS_PRESET_HASH_<MODEL> per model of config.yaml). With none of the
LAAS_* credential variables set it starts the local emulator; with some but not all it refuses
to start and names what is missing (it never swaps a user's settings for the emulator's).
Ports: PORT (default 4000) for the proxy, LAAS_EMULATOR_PORT (8910); a busy one is an error.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from laas_provider.emulator.__main__ import DEFAULT_API_KEY, DEFAULT_PROJECT_CODE, emulator_env
from laas_provider.emulator.presets import CONFIG_MODELS, preset_env, preset_hash
from laas_provider.settings import from_environment

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REQUIRED = ("LAAS_API_KEY", "LAAS_PROJECT_CODE", "LAAS_PRESET_HASH")
# Any of these set means "I mean my own LaaS": then every required one must be set too.
CREDENTIALS = ("LAAS_API_BASE", *REQUIRED, *(preset_env(m) for m in CONFIG_MODELS))
LOCAL_MASTER_KEY = "sk-laas-local"
STOP_GRACE_S = 5  # a child still running after SIGTERM this long is killed


def fail(message: str, code: int = 2) -> None:
    print(f"serve: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def missing_credentials() -> tuple[list[str], list[str]]:
    """(names set, required names not set) among the LaaS credential variables (env or .env)."""
    given = [name for name in CREDENTIALS if from_environment(name)]
    missing = [name for name in REQUIRED if not from_environment(name)]
    if all(from_environment(preset_env(model)) for model in CONFIG_MODELS):
        missing = [name for name in missing if name != "LAAS_PRESET_HASH"]
    return given, missing


def port_in_use(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port (bound as uvicorn binds: SO_REUSEADDR)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def check_port(port: int, variable: str, what: str) -> None:
    # litellm itself moves to a random port when 4000 is busy, and an old emulator would
    # answer this one's health check: say so instead of starting a second, different proxy.
    if port_in_use(port):
        fail(
            f"port {port} on 127.0.0.1 ({what}) is already in use — is another serve.sh "
            f"running? Stop it, or set {variable} to a free port."
        )


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"{url} exited with code {process.returncode}", 1)
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    fail(f"{url} did not come up within {seconds:.0f} s", 1)


def stop(children: list[subprocess.Popen]) -> None:
    """SIGTERM every child at once, then SIGKILL what is left after STOP_GRACE_S."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    port = int(env.get("PORT", "4000"))
    children: list[subprocess.Popen] = []

    given, missing = missing_credentials()
    if given and missing:
        fail(
            f"LaaS credentials are incomplete: {', '.join(missing)} not set (in the "
            f"environment or .env), while {', '.join(given)} is set. Set the missing ones to "
            "use your LaaS, or unset all LAAS_* credentials to use the local emulator."
        )
    check_port(port, "PORT", "the proxy")
    if not given:
        emu_port = int(env.get("LAAS_EMULATOR_PORT", "8910"))
        check_port(emu_port, "LAAS_EMULATOR_PORT", "the LaaS emulator")
        emulator = subprocess.Popen(
            [str(BIN / "python"), "-m", "laas_provider.emulator", "--port", str(emu_port)], env=env
        )
        children.append(emulator)
        wait_until_up(f"http://127.0.0.1:{emu_port}/_emulator/health", emulator)
        env.update(emulator_env("127.0.0.1", emu_port, DEFAULT_PROJECT_CODE, DEFAULT_API_KEY))
        # config.yaml's models each read their own preset: the emulator has one per model.
        env.update({preset_env(model): preset_hash(model) for model in CONFIG_MODELS})
        print(
            "serve: no LaaS credentials configured (no LAAS_API_KEY, LAAS_PROJECT_CODE or "
            "LAAS_PRESET_HASH in the environment or .env).\nserve: answers come from the local "
            f"LaaS EMULATOR at http://127.0.0.1:{emu_port}, not from Wanted LaaS.",
            flush=True,
        )
    else:
        print("serve: using the LaaS credentials from the environment / .env", flush=True)

    if not env.get("LITELLM_MASTER_KEY"):
        env["LITELLM_MASTER_KEY"] = LOCAL_MASTER_KEY
        print(
            f"serve: LITELLM_MASTER_KEY not set; using {LOCAL_MASTER_KEY} (local only)", flush=True
        )
    config = env.get("LAAS_CONFIG", str(ROOT / "config.yaml"))
    proxy = subprocess.Popen(
        [str(BIN / "litellm"), "--config", config, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
    )
    children.insert(0, proxy)  # stopped first: it holds the clients' connections
    print(f"serve: proxy starting on http://127.0.0.1:{port} (Ctrl-C stops it)", flush=True)

    # The handler only interrupts proxy.wait(): stopping the children from inside it would
    # wait on the proxy while the interrupted wait still holds its lock (a 10 s stall).
    signal.signal(signal.SIGTERM, interrupt)
    try:
        code = proxy.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        stop(children)
    sys.exit(code)


if __name__ == "__main__":
    main()
