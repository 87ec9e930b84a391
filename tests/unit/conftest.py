import litellm
import pytest

import laas_provider


@pytest.fixture
def laas_registered(monkeypatch):
    """Register the provider in-process as `laas`, the way custom_provider_map does."""
    monkeypatch.setattr(
        litellm,
        "custom_provider_map",
        [{"provider": "laas", "custom_handler": laas_provider.laas_provider}],
    )
    litellm.utils.custom_llm_setup()
