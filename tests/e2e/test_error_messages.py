"""The errors a new user meets, through the real proxy with config.yaml as shipped: a client's
mistake is one clean 4xx (no retry, no fallback, one log line), an unreachable LaaS names its
host, and /model/info shows no LaaS secret."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from ..media import data_url, pdf
from .harness import Proxy, free_port, provider_map

pytestmark = pytest.mark.e2e

TOO_MANY_PAGES = "PDF has 21 pages; LaaS accepts at most 20 pages"


def post(proxy: Proxy, body: dict, key: str | None = None) -> httpx.Response:
    return httpx.post(f"{proxy.url}/v1/chat/completions", json=body, timeout=120,
                      headers={"Authorization": f"Bearer {key or proxy.master_key}"})  # fmt: skip


def test_a_client_mistake_is_one_400_without_fallbacks_or_tracebacks(shipped_proxy, emulator):
    bad_pdf = {"type": "file", "file": {"file_data": data_url("application/pdf", pdf(21))}}
    body = {"model": "claude-4-sonnet",  # has two fallbacks in config.yaml
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}, bad_pdf]}]}  # fmt: skip
    log_before = len(shipped_proxy.log())
    started = time.monotonic()
    response = post(shipped_proxy, body)
    took = time.monotonic() - started
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert message.count(TOO_MANY_PAGES) == 1, message  # said once, not once per fallback
    assert response.headers.get("x-litellm-attempted-fallbacks") in (None, "0")
    assert emulator.received() == []
    time.sleep(0.5)  # let the proxy finish its log lines
    log = shipped_proxy.log()[log_before:]
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert len(errors) <= 1 and "Traceback" not in log, log[-3000:]
    print(f"clean 400 in {took * 1000:.0f} ms: {message!r}")


@pytest.fixture(scope="module")
def nowhere_proxy(log_dir):
    """Two models whose LaaS cannot be reached: a name that does not resolve, and a closed
    loopback port (LiteLLM itself masks loopback and private addresses in client messages)."""
    closed = free_port()
    nowhere = {"api_key": "k-nowhere-1234", "project_code": "P_NOWHERE",
               "preset_hash": "f00d" * 16}  # fmt: skip
    config = {
        "model_list": [{"model_name": "laas-nowhere", "litellm_params": {
            "model": "laas/laas-nowhere", "api_base": "https://laas-unreachable.invalid:8443",
            **nowhere}}, {"model_name": "laas-closed", "litellm_params": {
            "model": "laas/laas-closed", "api_base": f"http://127.0.0.1:{closed}",
            "api_key": "k-nowhere-1234", "project_code": "P_NOWHERE",
            "preset_hash": "f00d" * 16}}],
        "litellm_settings": {**provider_map(),
                             "callbacks": ["laas_provider.guard.request_guard"]},
        "router_settings": {"num_retries": 0},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }  # fmt: skip
    with Proxy(config, {}, log_dir, name="proxy-nowhere") as server:
        server.closed_port = closed
        yield server


def test_an_unreachable_laas_is_named_by_host_only(nowhere_proxy):
    started = time.monotonic()
    response = post(nowhere_proxy, {"model": "laas-nowhere",
                                     "messages": [{"role": "user", "content": "Hi"}]})  # fmt: skip
    took = time.monotonic() - started
    assert response.status_code == 503, response.text
    message = response.json()["error"]["message"]
    assert "could not reach LaaS at laas-unreachable.invalid:8443 (ConnectError)" in message
    closed = post(nowhere_proxy, {"model": "laas-closed",
                                  "messages": [{"role": "user", "content": "Hi"}]})  # fmt: skip
    assert closed.status_code == 503, closed.text
    # The client sees LiteLLM's mask for a loopback address; the log names it.
    assert f"at REDACTED:{nowhere_proxy.closed_port}" in closed.json()["error"]["message"]
    log = nowhere_proxy.log()
    assert f"LaaS call to 127.0.0.1:{nowhere_proxy.closed_port} failed" in log
    for secret in ("f00d" * 16, "k-nowhere-1234", "P_NOWHERE", "/api/preset"):
        assert secret not in message and secret not in log
    print(f"'could not reach' in {took * 1000:.0f} ms")


def test_model_info_masks_project_code_and_preset_hash(proxy, emulator):
    for path in ("/model/info", "/v1/model/info", "/v2/model/info"):
        response = httpx.get(f"{proxy.url}{path}", timeout=30,
                             headers={"Authorization": f"Bearer {proxy.master_key}"})  # fmt: skip
        if response.status_code == 404 or "DB not connected" in response.text:
            continue  # /v2/model/info needs a database
        assert response.status_code == 200, response.text
        assert emulator.project_code not in response.text, path
        assert emulator.api_key not in response.text, path
        (translator,) = [m for m in response.json()["data"] if m["model_name"] == "laas-translator"]
        params = translator["litellm_params"]
        assert params["project_code"] == "***" and params["preset_hash"] == "***", params
    # The deployment itself still works with its own values.
    ok = post(proxy, {"model": "laas-translator", "messages": [{"role": "user", "content": "Hi"}]})
    assert ok.status_code == 200, ok.text


def test_errors_md_explains_the_wrong_key_answer():
    # The answer itself: tests/e2e/test_client_mistakes.py, on every supported LiteLLM.
    doc = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()
    assert "## A wrong proxy key: `401`" in doc and "the proxy key is not valid" in doc
