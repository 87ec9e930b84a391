"""Declared capabilities and a quiet start: the shipped config.yaml's model_info, read back
through the running proxy's /model/info and by LiteLLM's own capability checks; and
scripts/serve.py (what `bash scripts/serve.sh` runs) starting without a WARNING line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import litellm
import pytest

import laas_provider

from .gateway import shipped_config
from .harness import free_port

ROOT = Path(__file__).resolve().parents[2]
DECLARED = {m["model_name"]: m["model_info"] for m in shipped_config()["model_list"]}
CAPABILITIES = (
    "supports_vision",
    "supports_pdf_input",
    "supports_function_calling",
    "supports_tool_choice",
    "supports_response_schema",
)
# The context window and output limit of the Claude model behind each shipped preset.
LIMITS = {
    "claude-4-sonnet": (200_000, 64_000),
    "claude-3.7-sonnet": (200_000, 64_000),
    "claude-3.5-sonnet": (200_000, 8_192),
}


def model_info(proxy) -> dict[str, dict]:
    response = httpx.get(
        f"{proxy.url}/model/info", headers={"Authorization": f"Bearer {proxy.master_key}"}
    )
    response.raise_for_status()
    return {entry["model_name"]: entry["model_info"] for entry in response.json()["data"]}


def test_model_info_reports_the_declared_capabilities(shipped_proxy):
    served = model_info(shipped_proxy)
    assert set(served) == set(LIMITS)
    for name, info in served.items():
        for capability in CAPABILITIES:
            assert info[capability] is True, (name, capability, info[capability])
        assert (info["max_input_tokens"], info["max_output_tokens"]) == LIMITS[name]
        assert info["mode"] == "chat"
        # Zero cache prices: LaaS reports no cached tokens (and LiteLLM stops warning).
        assert info["cache_read_input_token_cost"] == 0
        assert info["cache_creation_input_token_cost"] == 0


@pytest.mark.parametrize("name", LIMITS)
def test_config_declares_what_model_info_serves(name):
    info = DECLARED[name]
    assert all(info[c] is True for c in CAPABILITIES)
    assert (info["max_input_tokens"], info["max_output_tokens"]) == LIMITS[name]


def test_litellm_capability_checks_read_the_declarations(monkeypatch):
    # As the proxy does at start: register the provider, then each deployment's model_info
    # registers its model (litellm.supports_* and get_model_info read that registry).
    config = shipped_config()
    monkeypatch.setattr(
        litellm,
        "custom_provider_map",
        [{"provider": "laas", "custom_handler": laas_provider.laas_provider}],
    )
    litellm.utils.custom_llm_setup()
    deployments = [  # the deployments without their budgets (which need a running loop)
        {**m, "litellm_params": {"model": m["litellm_params"]["model"]}}
        for m in config["model_list"]
    ]
    litellm.Router(model_list=deployments)
    for name in LIMITS:
        model = f"laas/{name}"
        assert litellm.supports_vision(model=model) is True, name
        assert litellm.utils.supports_pdf_input(model=model) is True, name
        assert litellm.utils.supports_tool_choice(model=model) is True, name
        assert litellm.supports_function_calling(model=model) is True, name
        assert litellm.supports_response_schema(model=model) is True, name
        assert litellm.get_model_info(model)["max_input_tokens"] == LIMITS[name][0]


def test_serve_starts_without_a_warning_line(tmp_path):
    # scripts/serve.sh = bootstrap + LITELLM_LOCAL_MODEL_COST_MAP=True + scripts/serve.py.
    # No LaaS credentials: it starts the emulator too, as a new user's first run does.
    port, emulator_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAAS_", "LITELLM_", "REDIS_"))}
    env.update(PORT=str(port), LAAS_EMULATOR_PORT=str(emulator_port))
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env.pop("DATABASE_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "serve.py")], cwd=tmp_path, env=env,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and serve.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/readiness").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail(f"serve did not come up:\n{log.read_text()}")
        time.sleep(1)  # anything logged right after start-up
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    output = log.read_text(errors="replace")
    assert "Uvicorn running on" in output or "Application startup complete" in output, output
    warnings = [line for line in output.splitlines() if "WARNING" in line]
    assert warnings == [], "\n".join(warnings)
