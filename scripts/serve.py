"""Start the LiteLLM proxy with config.yaml; on the LaaS emulator when no credentials are set.

Real credentials come from the environment or .env (LAAS_API_KEY, LAAS_PROJECT_CODE, and
LAAS_PRESET_HASH or one LAAS_PRESET_HASH_<MODEL> per model of config.yaml).
Ports: PORT (default 4000) for the proxy, LAAS_EMULATOR_PORT (8910).
"""

from __future__ import annotations

import os
import signal
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
LOCAL_MASTER_KEY = "sk-laas-local"


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"serve: {url} exited with code {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit(f"serve: {url} did not come up within {seconds:.0f} s")


def main() -> None:
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    port = env.get("PORT", "4000")
    children: list[subprocess.Popen] = []

    missing = [name for name in REQUIRED if not from_environment(name)]
    if all(from_environment(preset_env(model)) for model in CONFIG_MODELS):
        missing = [name for name in missing if name != "LAAS_PRESET_HASH"]
    if missing:
        emu_port = int(env.get("LAAS_EMULATOR_PORT", "8910"))
        emulator = subprocess.Popen(
            [str(BIN / "python"), "-m", "laas_provider.emulator", "--port", str(emu_port)], env=env
        )
        children.append(emulator)
        wait_until_up(f"http://127.0.0.1:{emu_port}/_emulator/health", emulator)
        env.update(emulator_env("127.0.0.1", emu_port, DEFAULT_PROJECT_CODE, DEFAULT_API_KEY))
        # config.yaml's models each read their own preset: the emulator has one per model.
        env.update({preset_env(model): preset_hash(model) for model in CONFIG_MODELS})
        print(
            f"serve: no LaaS credentials configured ({', '.join(missing)} not set in the "
            f"environment or .env).\nserve: answers come from the local LaaS EMULATOR at "
            f"http://127.0.0.1:{emu_port}, not from Wanted LaaS.",
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
        [str(BIN / "litellm"), "--config", config, "--host", "127.0.0.1", "--port", port], env=env
    )
    children.append(proxy)
    print(f"serve: proxy starting on http://127.0.0.1:{port} (Ctrl-C stops it)", flush=True)

    def stop(*_: object) -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        code = proxy.wait()
    except KeyboardInterrupt:
        code = 0
    stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
