"""docs/install.md's config.yaml block, served as written: the block after its
``<!-- config: ... -->`` comment goes to `litellm --config` unedited, its ``os.environ/...``
references read from the environment (pointed at the emulator), and a user following the
doc gets a working chat and, for a malformed request, the request guard's one clean 400.
scripts/compat.py runs this file on every supported LiteLLM."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from laas_provider.emulator import preset_hash

from ..compat_script import compat
from .harness import Emulator, Proxy

CONFIG = compat.doc_block("config")
MODEL = yaml.safe_load(CONFIG)["model_list"][0]["model_name"]  # the doc's "my-preset"
PRESET = "translator"  # not the emulator's default preset: the reference must be read


def env_for(emulator: Emulator) -> dict[str, str]:
    """Every variable the block references, from the emulator; an unknown one fails."""
    known = {
        "LAAS_API_KEY": emulator.api_key,
        "LAAS_PROJECT_CODE": emulator.project_code,
        "MY_PRESET_HASH": preset_hash(PRESET),
    }
    referenced = set(re.findall(r"os\.environ/(\w+)", CONFIG))
    assert referenced and referenced <= set(known), referenced - set(known)
    # LAAS_API_BASE: the environment setting of install.md's table (the block sets none).
    return {**emulator.laas_env("echo"), **{name: known[name] for name in referenced}}


@pytest.fixture(scope="module")
def documented(emulator: Emulator, log_dir) -> Iterator[Proxy]:
    with Proxy(CONFIG, env_for(emulator), log_dir, name="proxy-install-doc") as server:
        yield server


def post(proxy: Proxy, body: dict) -> httpx.Response:
    return httpx.post(
        f"{proxy.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        json={"model": MODEL, **body},
        timeout=60,
    )


def test_the_block_is_served_as_written(documented):
    served = Path(documented.argv[documented.argv.index("--config") + 1]).read_text()
    assert served == CONFIG
    callbacks = yaml.safe_load(served)["litellm_settings"]["callbacks"]
    assert "laas_provider.guard.request_guard" in callbacks


def test_a_chat_through_the_documented_config(documented, emulator):
    response = post(documented, {"messages": [{"role": "user", "content": "Hello, install.md"}]})
    assert response.status_code == 200, response.text[:500]
    text = response.json()["choices"][0]["message"]["content"]
    assert "Hello, install.md" in text
    assert "system: Translate the user's text" in text  # MY_PRESET_HASH's preset
    assert len(emulator.received()) == 1


def test_a_malformed_request_gets_one_clean_400_naming_the_field(documented, emulator):
    response = post(documented, {"messages": "hi"})
    assert response.status_code == 400, response.text[:500]
    error = response.json()["error"]
    assert error["param"] == "messages" and "messages" in error["message"], error
    assert "Traceback" not in response.text and ".py" not in response.text, response.text
    assert emulator.received() == [], "a malformed request reached LaaS"
