"""Settings resolution: litellm_params > environment > .env > defaults."""

from __future__ import annotations

import pytest

from laas_provider import settings
from laas_provider.errors import InputError
from laas_provider.settings import DEFAULT_API_BASE, SettingsError, resolve

ENV = {
    "LAAS_API_BASE": "http://env-base",
    "LAAS_API_KEY": "env-key",
    "LAAS_PROJECT_CODE": "ENV_PRJ",
    "LAAS_PRESET_HASH": "e" * 64,
}


def test_environment_fills_everything_when_params_are_empty():
    s = resolve(None, None, {}, env=ENV)
    assert s.api_base == "http://env-base"
    assert s.secrets() == ("env-key", "ENV_PRJ", "e" * 64)


def test_litellm_params_win_over_environment():
    s = resolve("http://dep", "dep-key", {"project_code": "DEP", "preset_hash": "d" * 64}, env=ENV)
    assert s.api_base == "http://dep"
    assert s.secrets() == ("dep-key", "DEP", "d" * 64)


def test_each_setting_falls_back_on_its_own():
    s = resolve(None, "dep-key", {}, env=ENV)
    assert s.secrets() == ("dep-key", "ENV_PRJ", "e" * 64)


def test_default_api_base():
    env = {k: v for k, v in ENV.items() if k != "LAAS_API_BASE"}
    assert resolve(None, None, {}, env=env).api_base == DEFAULT_API_BASE


@pytest.mark.parametrize("missing", ["LAAS_API_KEY", "LAAS_PROJECT_CODE", "LAAS_PRESET_HASH"])
def test_missing_setting_is_named(missing):
    env = {k: v for k, v in ENV.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        resolve(None, None, {}, env=env)


def test_errors_never_show_values():
    with pytest.raises(SettingsError) as caught:
        resolve(
            None,
            "secret-key-value",
            {"laas_timeout": "soon"},
            env={"LAAS_PROJECT_CODE": "P", "LAAS_PRESET_HASH": "h"},
        )
    assert "secret-key-value" not in str(caught.value)
    assert "laas_timeout" in str(caught.value)


def test_timeout_defaults_to_120_and_is_configurable():
    assert resolve(None, None, {}, env=ENV).timeout == 120
    assert resolve(None, None, {}, env={**ENV, "LAAS_TIMEOUT": "300"}).timeout == 300
    assert resolve(None, None, {"laas_timeout": 45}, env=ENV).timeout == 45


def test_litellm_timeout_is_an_upper_bound():
    assert resolve(None, None, {}, env=ENV, timeout=30).timeout == 30
    assert resolve(None, None, {}, env=ENV, timeout=6000).timeout == 120


def test_repr_hides_secrets():
    s = resolve(None, None, {}, env=ENV)
    assert "env-key" not in repr(s) and "ENV_PRJ" not in repr(s) and "e" * 64 not in repr(s)


def test_headers_are_named_as_laas_documents():
    headers = resolve(None, None, {}, env=ENV).headers()
    assert headers["project"] == "ENV_PRJ" and headers["apiKey"] == "env-key"


def test_dotenv_fills_what_the_environment_lacks(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("LAAS_API_KEY=dotenv-key\nLAAS_PROJECT_CODE=DOT\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAAS_PROJECT_CODE", "FROM_ENV")
    monkeypatch.setenv("LAAS_PRESET_HASH", "f" * 64)
    monkeypatch.delenv("LAAS_API_KEY", raising=False)
    settings._dotenv.cache_clear()
    try:
        s = resolve(None, None, {})
    finally:
        settings._dotenv.cache_clear()
    assert s.secrets() == ("dotenv-key", "FROM_ENV", "f" * 64)


def proxy_params(body: dict) -> dict:
    return {"proxy_server_request": {"body": body}}


@pytest.mark.parametrize("switch", [True, "true", "True", "1", " yes ", "on"])
def test_allow_client_preset_is_read_as_every_boolean_spelling(switch):
    body = {"preset_hash": "c" * 64}
    settings.check_client_keys(proxy_params(body), {"allow_client_preset": switch})


@pytest.mark.parametrize("switch", [False, "false", "0", "no", "off", "", None, "maybe"])
def test_allow_client_preset_off_refuses_a_client_preset(switch):
    with pytest.raises(InputError, match="preset_hash"):
        settings.check_client_keys(
            proxy_params({"preset_hash": "c" * 64}), {"allow_client_preset": switch}
        )


@pytest.mark.parametrize(
    ("value", "on"),
    [(True, True), ("TRUE", True), ("1", True), ("yes", True), ("on", True), (1, True),
     (False, False), ("false", False), ("0", False), (0, False), (None, False), ("x", False)],
)  # fmt: skip
def test_switched_on_is_the_one_boolean_parser(value, on):
    assert settings.switched_on(value) is on


@pytest.mark.parametrize(
    ("given", "mode"),
    [(None, "off"), (False, "off"), ("false", "off"), ("off", "off"), ("v2", "v2"),
     ("ORCHESTRATOR", "orchestrator")],
)  # fmt: skip
def test_native_stream_is_off_unless_an_endpoint_is_named(given, mode):
    assert resolve(None, None, {"native_stream": given}, env=ENV).native_stream == mode


def test_native_stream_falls_back_on_the_environment_and_refuses_unknown_values():
    assert resolve(None, None, {}, env={**ENV, "LAAS_NATIVE_STREAM": "v2"}).native_stream == "v2"
    with pytest.raises(SettingsError, match="native_stream"):
        resolve(None, None, {"native_stream": True}, env=ENV)


def test_each_native_stream_endpoint_has_its_url():
    s = resolve("http://laas/", None, {"native_stream": "orchestrator"}, env=ENV)
    assert s.stream_url() == f"http://laas/api/llm-orchestrator/chat/stream/{'e' * 64}/2"
    s = resolve("http://laas", None, {"native_stream": "v2"}, env=ENV)
    assert s.stream_url() == "http://laas/api/preset/v2/chat/completions"


def test_a_client_may_not_switch_native_streaming_on():
    request = {"proxy_server_request": {"body": {"extra_body": {"native_stream": "v2"}}}}
    with pytest.raises(InputError, match="native_stream"):
        settings.check_client_keys(request, {})
