"""The deployment keys: one table (deployment.KEYS), every list the package uses derived from it."""

from __future__ import annotations

from laas_provider import check, deployment, settings
from laas_provider.deployment import Key
from laas_provider.logs import redact
from laas_provider.proxy import model_info
from laas_provider.transform import params

from .fresh_imports import loaded_by


def test_the_derived_lists_are_the_ones_the_package_had():
    assert set(settings.ADMIN_KEYS) == {
        "api_base", "base_url", "api_key", "project_code", "preset_hash", "laas_timeout",
        "preset_params", "allow_client_preset", "tool_emulation", "native_stream",
        "image_max_side", "image_formats", "spread_images", "split_pdfs",
    }  # fmt: skip
    assert set(settings.CLIENT_PRESET_KEYS) == {"preset_hash", "project_code"}
    assert settings.SECRET_NAMES == ("api_key", "project_code", "preset_hash")
    assert settings.ENV == {
        "api_base": "LAAS_API_BASE", "api_key": "LAAS_API_KEY",
        "project_code": "LAAS_PROJECT_CODE", "preset_hash": "LAAS_PRESET_HASH",
        "laas_timeout": "LAAS_TIMEOUT", "native_stream": "LAAS_NATIVE_STREAM",
    }  # fmt: skip
    assert check.REQUIRED == {
        "api_key": "LAAS_API_KEY", "project_code": "LAAS_PROJECT_CODE",
        "preset_hash": "LAAS_PRESET_HASH",
    }  # fmt: skip
    assert set(params.OWN_KEYS) == {
        "params", "preset_params", "project_code", "preset_hash", "laas_timeout",
        "allow_client_preset", "tool_emulation", "native_stream", "image_max_side",
        "image_formats", "spread_images", "split_pdfs",
    }  # fmt: skip
    assert deployment.PLUGIN_SECRETS == ("project_code", "preset_hash")


def test_params_is_per_request_and_api_key_is_litellms_own():
    assert "params" in params.OWN_KEYS and "params" not in settings.ADMIN_KEYS
    assert "api_key" in settings.ADMIN_KEYS and "api_key" not in params.OWN_KEYS
    assert {"tool_emulation", "native_stream"} <= settings.ADMIN_KEYS & params.OWN_KEYS


def test_every_list_is_read_from_the_one_table():
    assert settings.ADMIN_KEYS is deployment.ADMIN_KEYS
    assert params.OWN_KEYS is deployment.OWN_KEYS
    assert settings.ENV is deployment.ENV


def test_a_key_added_to_the_table_is_admin_only_and_never_forwarded():
    table = (*deployment.KEYS, Key("new_switch"), Key("new_secret", secret=True, env="LAAS_NEW"))
    assert "new_switch" in deployment.names(table, admin=True)
    assert "new_switch" in deployment.names(table, litellm=False)
    assert deployment.names(table, secret=True)[-1] == "new_secret"
    assert "new_secret" in deployment.names(table, secret=True, litellm=False)
    assert "new_secret" not in deployment.names(deployment.KEYS, admin=True)


def test_a_secret_variable_is_masked_per_model_only_where_the_table_says():
    env = {
        "LAAS_API_KEY": "K" * 8, "LAAS_PRESET_HASH_CLAUDE": "H" * 8,
        "LAAS_API_KEY_OTHER": "X" * 8, "LAAS_TIMEOUT": "30",
    }  # fmt: skip
    assert redact.environment_secrets(env) == ["K" * 8, "H" * 8]


def test_a_deployments_secret_keys_are_masked_in_listings():
    listed = model_info.mask_params(
        {"litellm_params": {"api_key": "k", "project_code": "P", "preset_hash": "H", "x": 1}}
    )
    assert listed["litellm_params"] == {
        "api_key": "k", "project_code": "***", "preset_hash": "***", "x": 1
    }  # fmt: skip


def test_the_table_imports_nothing_heavy():
    watched = ("litellm",)
    assert loaded_by(("laas_provider.deployment", "laas_provider.check"), watched) == []
