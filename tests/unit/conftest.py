import litellm
import pytest
import respx

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


@pytest.fixture
def laas_api():
    """LaaS mocked at the transport level. `using="httpx"` so the mock also catches requests
    on the aiohttp transport the plugin's async client runs on (as LiteLLM's own do)."""
    with respx.mock(using="httpx", assert_all_called=False) as router:
        yield router
