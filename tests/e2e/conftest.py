"""Session-scoped real processes: one emulator and one proxy for the whole e2e run."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from laas_provider.emulator import preset_hash

from .harness import Emulator, Proxy, provider_map

pytestmark = pytest.mark.e2e


PRICES = {"input_cost_per_token": 0.000003, "output_cost_per_token": 0.000015, "mode": "chat"}


def laas_model(name: str, **params: object) -> dict:
    return {"model_name": name, "litellm_params": {"model": f"laas/{name}", **params}}


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("e2e-logs")


@pytest.fixture(scope="session")
def emulator(log_dir) -> Iterator[Emulator]:
    with Emulator(log_dir) as emu:
        yield emu


@pytest.fixture(scope="session")
def proxy(emulator: Emulator, log_dir) -> Iterator[Proxy]:
    config = {
        "model_list": [
            # Settings from the environment (LAAS_*), as config.yaml's default model.
            {**laas_model("laas-chat"), "model_info": PRICES},
            # Settings from litellm_params.
            laas_model(
                "laas-translator",
                api_base=emulator.url,
                project_code=emulator.project_code,
                api_key=emulator.api_key,
                preset_hash=preset_hash("translator"),
            ),
            laas_model(
                "laas-defaults",
                preset_hash=preset_hash("translator"),
                preset_params={"language": "Korean", "tone": "formal"},
            ),
            laas_model("laas-open", allow_client_preset=True),
            laas_model("laas-wrong-key", api_key="not-the-key"),
            laas_model("laas-unknown-preset", preset_hash="0" * 64),
            # Tool emulation (tests/e2e/test_agents.py): a model that follows the protocol,
            # and one whose preset ignores it (echo), falling back to the first.
            laas_model("laas-agent", preset_hash=preset_hash("agent"), tool_emulation=True),
            laas_model("laas-agent-echo", tool_emulation=True),
            # A PDF over 20 pages as labelled parts (tests/e2e/test_split_pdfs.py).
            laas_model("laas-split-pdfs", split_pdfs=True),
        ],
        "litellm_settings": {
            **provider_map(),
            "callbacks": ["cost_log.recorder", "laas_provider.guard.request_guard"],
        },
        "router_settings": {"num_retries": 0, "fallbacks": [{"laas-agent-echo": ["laas-agent"]}]},
        "general_settings": {
            "master_key": "os.environ/LITELLM_MASTER_KEY",
            "cancel_on_disconnect": True,
        },
    }
    with Proxy(config, emulator.laas_env("echo"), log_dir) as server:
        yield server


@pytest.fixture
def client(proxy: Proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=proxy.master_key, max_retries=0)


@pytest.fixture
def aclient(proxy: Proxy) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=f"{proxy.url}/v1", api_key=proxy.master_key, max_retries=0)


@pytest.fixture(autouse=True)
def clean_emulator(request: pytest.FixtureRequest) -> None:
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").reset()


@pytest.fixture(scope="session")
def shipped_proxy(emulator: Emulator, log_dir) -> Iterator[Proxy]:
    """config.yaml as shipped (retries, fallbacks, cooldowns), on the emulator: one per
    session for the client front doors, capabilities and non-chat tests."""
    from .gateway import shipped_config, shipped_env

    with Proxy(shipped_config(), shipped_env(emulator), log_dir, name="proxy-config") as server:
        yield server
