"""The shipped config.yaml, read without starting anything: the three LaaS presets with
prices, credentials only from the environment, a fallback chain that names real models,
retries and budgets LiteLLM can parse — and every key and variable documented in
docs/configuration.md. (tests/e2e/test_gateway.py runs it in the real proxy.)"""

from __future__ import annotations

import re
from pathlib import Path

import litellm
import pytest
import yaml
from litellm import CustomLLM
from litellm.litellm_core_utils.duration_parser import duration_in_seconds

import laas_provider
from laas_provider.emulator.presets import CONFIG_MODELS, preset_env
from laas_provider.settings import ADMIN_KEYS, ENV

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
DOC = (ROOT / "docs" / "configuration.md").read_text()
MODELS = {m["model_name"]: m for m in CONFIG["model_list"]}
ROUTER = CONFIG["router_settings"]
SECRET_KEYS = ("api_key", "project_code", "preset_hash", "master_key", "redis_password")


def documented(name: str) -> bool:
    return f"`{name}`" in DOC or re.search(rf"`[^`]*\b{re.escape(name)}\b[^`]*`", DOC) is not None


def walk(node, path=()):
    """(key, path) for every mapping key in the YAML tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, (*path, key)
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, path)


def test_the_three_models_of_the_original_handler_are_laas_presets():
    assert set(MODELS) == set(CONFIG_MODELS)
    for name, model in MODELS.items():
        params = model["litellm_params"]
        assert params["model"] == f"laas/{name}"
        # scripts/serve.py points exactly these variables at the emulator's presets.
        assert params["preset_hash"] == f"os.environ/{preset_env(name)}"


@pytest.mark.parametrize("name", CONFIG_MODELS)
def test_every_model_has_chat_mode_and_per_token_prices(name):
    info = MODELS[name]["model_info"]
    assert info["mode"] == "chat"
    for key in ("input_cost_per_token", "output_cost_per_token"):
        assert isinstance(info[key], float) and 0 < info[key] < 0.001, (key, info[key])
    assert info["output_cost_per_token"] >= info["input_cost_per_token"]


def test_no_secret_is_written_in_the_config():
    for key, path in walk(CONFIG):
        if key in SECRET_KEYS or key in ("api_base", "redis_host", "redis_port"):
            value = _at(CONFIG, path)
            assert isinstance(value, str) and value.startswith("os.environ/"), (path, value)


def _at(node, path):
    # Follow a path through the first list item that holds it (walk flattens lists).
    for key in path:
        if isinstance(node, list):
            node = next(item for item in node if isinstance(item, dict) and key in item)
        node = node[key]
    return node


def test_the_provider_is_registered_with_the_installed_handler():
    (entry,) = CONFIG["litellm_settings"]["custom_provider_map"]
    assert entry["provider"] == "laas"
    module, _, attribute = entry["custom_handler"].rpartition(".")
    assert module == "laas_provider"
    assert isinstance(getattr(laas_provider, attribute), CustomLLM)
    assert all(
        m["litellm_params"]["model"].startswith(f"{entry['provider']}/") for m in MODELS.values()
    )


def test_fallbacks_name_configured_models_and_never_loop():
    chains = {k: v for entry in ROUTER["fallbacks"] for k, v in entry.items()}
    assert chains, "no fallbacks"
    for model, targets in chains.items():
        assert model in MODELS and targets, model
        assert all(t in MODELS and t != model for t in targets), (model, targets)

    def reachable(model, seen):
        for target in chains.get(model, []):
            assert target not in seen, f"fallback loop through {target}"
            reachable(target, (*seen, target))

    for model in chains:
        reachable(model, (model,))
    # The newest model falls back through every older one.
    assert chains["claude-4-sonnet"] == ["claude-3.7-sonnet", "claude-3.5-sonnet"]


def test_retries_and_cooldowns():
    assert ROUTER["num_retries"] >= 1
    # LiteLLM treats allowed_fails equal to its own default as unset, and then cools down
    # even models without a fallback on a single 401 (docs/gateway.md, Cooldowns).
    assert ROUTER["allowed_fails"] != litellm.allowed_fails
    assert ROUTER["cooldown_time"] > 0
    assert CONFIG["general_settings"]["background_health_checks"] is False


def test_budgets_parse_as_litellm_reads_them():
    (provider,) = ROUTER["provider_budget_config"]
    assert provider == "laas"
    budget = ROUTER["provider_budget_config"]["laas"]
    assert budget["budget_limit"] > 0 and duration_in_seconds(budget["time_period"]) > 0
    budgeted = [m for m in MODELS.values() if "max_budget" in m["litellm_params"]]
    assert budgeted, "no deployment budget"
    for model in budgeted:
        params = model["litellm_params"]
        assert 0 < params["max_budget"] <= budget["budget_limit"]
        assert duration_in_seconds(params["budget_duration"]) > 0


# --- documentation --------------------------------------------------------------------------


def test_every_key_of_config_yaml_is_documented():
    missing = sorted({str(key) for key, _ in walk(CONFIG) if not documented(str(key))})
    assert not missing, f"not in docs/configuration.md: {missing}"


def test_every_litellm_params_key_the_plugin_reads_is_documented():
    keys = set(ADMIN_KEYS) | set(ENV) | {"drop_params", "model"}
    missing = sorted(k for k in keys if not documented(k))
    assert not missing, missing


def test_the_keys_clients_may_never_set_are_the_administrators_keys():
    sentence = DOC[DOC.index("Clients may never set") :].split("(LiteLLM", 1)[0]
    assert set(re.findall(r"`([a-z_]+)`", sentence)) == set(ADMIN_KEYS)


def env_vars_read() -> set[str]:
    """Every environment variable the package, the scripts, config.yaml and the Docker files
    name (found by reading them, so a new one cannot be forgotten)."""
    names = set(ENV.values()) | {preset_env(m) for m in CONFIG_MODELS}
    pattern = re.compile(
        r"\b(?:environ|env|getenv)(?:\.get|\.setdefault)?[\(\[]\s*[\"']([A-Z][A-Z0-9_]+)[\"']"
    )
    for path in [*ROOT.glob("laas_provider/**/*.py"), *ROOT.glob("scripts/*.py")]:
        names |= set(pattern.findall(path.read_text()))
    names |= set(re.findall(r"os\.environ/([A-Z0-9_]+)", (ROOT / "config.yaml").read_text()))
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in compose["services"].values():
        names |= set(service.get("environment") or {})
    names |= set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text()))
    return names


def test_every_environment_variable_is_documented():
    names = env_vars_read()
    assert {"LAAS_API_KEY", "LAAS_LOG_LEVEL", "REDIS_HOST", "POSTGRES_PASSWORD"} <= names
    missing = sorted(n for n in names if not documented(n))
    assert not missing, f"not in docs/configuration.md: {missing}"


def test_per_request_extras_are_documented():
    for key in ("params", "drop_params", "preset_hash", "extra_body"):
        assert documented(key), key
