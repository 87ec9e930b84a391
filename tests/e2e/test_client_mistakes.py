"""A client's mistakes on every supported LiteLLM (this file is in scripts/compat.py's
CORE_E2E), config.yaml as shipped, through the real proxy: a wrong proxy key is a 401 that says
so (proxy/wrong_key.py), and a plugin 400 and the fallbacks.

``fallback_on_unsupported_params: false`` stops the fallbacks from 1.108 on; LiteLLM 1.106.x
has no such check and walks them (docs/errors.md gives the figure). The workaround that works
on every version, a request's ``disable_fallbacks``, is tested here."""

from __future__ import annotations

import inspect
import time
from importlib.metadata import version

import anthropic
import httpx
import litellm
import openai
import pytest

from ..media import data_url, pdf

pytestmark = pytest.mark.e2e

TOO_MANY_PAGES = "PDF has 21 pages; LaaS accepts at most 20 pages"
WRONG_KEY = "the proxy key is not valid"
# claude-4-sonnet's fallbacks in config.yaml, as LiteLLM's router names them when they failed.
WALKED = "Fallback to claude-3.7-sonnet, claude-3.5-sonnet also failed"
HAS_SETTING = "fallback_on_unsupported_params" in inspect.signature(litellm.Router).parameters


def refused(proxy, **extra: object) -> tuple[openai.BadRequestError, list[str], float]:
    """A 21-page PDF to claude-4-sonnet (two fallbacks): the 400, the proxy's ERROR lines."""
    client = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=proxy.master_key, max_retries=0)
    bad_pdf = {"type": "file", "file": {"file_data": data_url("application/pdf", pdf(21))}}
    content = [{"type": "text", "text": "Hi"}, bad_pdf]
    log_before = len(proxy.log())
    started = time.monotonic()
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="claude-4-sonnet", extra_body=extra or None,
                                       messages=[{"role": "user", "content": content}])  # fmt: skip
    took = time.monotonic() - started
    time.sleep(0.5)  # let the proxy finish its log lines
    errors = [line for line in proxy.log()[log_before:].splitlines() if "ERROR" in line]
    assert caught.value.status_code == 400
    return caught.value, errors, took


def test_disable_fallbacks_makes_a_client_mistake_one_400_on_every_version(shipped_proxy, emulator):
    error, errors, took = refused(shipped_proxy, disable_fallbacks=True)
    message = error.body["message"]
    assert message.count(TOO_MANY_PAGES) == 1 and WALKED not in message, message
    assert len(errors) <= 1, errors
    assert emulator.received() == []
    print(f"litellm {version('litellm')}: disable_fallbacks -> one 400 in {took * 1000:.0f} ms")


def test_without_it_only_litellm_1_106_walks_the_fallbacks(shipped_proxy, emulator):
    # What docs/errors.md says per version; no LaaS call either way.
    error, errors, took = refused(shipped_proxy)
    message = error.body["message"]
    if HAS_SETTING:
        assert message.count(TOO_MANY_PAGES) == 1 and WALKED not in message, message
        assert len(errors) <= 1, errors
    else:  # 1.106.x: the plugin refuses it three times, the client reads it twice
        assert message.count(TOO_MANY_PAGES) == 2 and WALKED in message, message
        assert len(errors) == 4, errors
    assert emulator.received() == []
    print(f"litellm {version('litellm')}: 400 in {took * 1000:.0f} ms, {len(errors)} ERROR lines")


def test_a_wrong_proxy_key_is_a_401_that_says_so(shipped_proxy):
    # Before: LiteLLM's own `400 No connected db.` (no database, so no virtual keys).
    chat = openai.OpenAI(base_url=f"{shipped_proxy.url}/v1", api_key="sk-wrong-9876",
                         max_retries=0)  # fmt: skip
    with pytest.raises(openai.AuthenticationError) as caught:
        chat.chat.completions.create(model="claude-4-sonnet",
                                     messages=[{"role": "user", "content": "Hi"}])  # fmt: skip
    assert caught.value.status_code == 401
    error = caught.value.body
    assert WRONG_KEY in error["message"] and "LITELLM_MASTER_KEY" in error["message"], error
    assert (error["type"], error["param"]) == ("auth_error", "api_key")
    assert "sk-wrong-9876" not in caught.value.response.text
    print(f"wrong key: 401 {error['message']!r}")
    # The master key still works.
    ok = openai.OpenAI(base_url=f"{shipped_proxy.url}/v1", api_key=shipped_proxy.master_key,
                       max_retries=0)  # fmt: skip
    reply = ok.chat.completions.create(model="claude-4-sonnet",
                                       messages=[{"role": "user", "content": "Hi"}])  # fmt: skip
    assert reply.choices[0].message.content


def test_a_wrong_x_api_key_on_v1_messages_is_a_401_that_says_so(shipped_proxy):
    claude = anthropic.Anthropic(base_url=shipped_proxy.url, api_key="sk-wrong-9876",
                                 max_retries=0)  # fmt: skip
    with pytest.raises(anthropic.AuthenticationError) as caught:
        claude.messages.create(model="claude-4-sonnet", max_tokens=16,
                               messages=[{"role": "user", "content": "Hi"}])  # fmt: skip
    assert caught.value.status_code == 401
    # 1.108.7 checks the key before its Anthropic bridge (OpenAI's error shape); 1.110.2
    # answers in Anthropic's. The rewrite keeps whichever shape LiteLLM used.
    body = caught.value.body
    kind = "authentication_error" if body.get("type") == "error" else "auth_error"
    assert WRONG_KEY in body["error"]["message"] and body["error"]["type"] == kind, body
    assert "sk-wrong-9876" not in caught.value.response.text
    print(f"wrong x-api-key: 401 {body['error']['message']!r}")


def test_a_missing_proxy_key_stays_litellms_401(shipped_proxy):
    response = httpx.post(f"{shipped_proxy.url}/v1/chat/completions", timeout=60,
                          json={"model": "claude-4-sonnet", "messages": []})  # fmt: skip
    assert response.status_code == 401, response.text
    assert WRONG_KEY not in response.text  # LiteLLM's own words: no key was sent
    print(f"missing key: 401 {response.json()['error']['message']!r}")
