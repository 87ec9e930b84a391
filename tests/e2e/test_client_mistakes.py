"""A client's mistakes on every supported LiteLLM (this file is in scripts/compat.py's
CORE_E2E), config.yaml as shipped, through the real proxy: a wrong proxy key is a 401 that says
so (proxy/wrong_key.py), a plugin 400 and the fallbacks, and what popular clients send that
LaaS cannot honour (docs/parameters.md's policy): ignored with one INFO line, or refused with
the plugin's own 400; max_tokens above a deployment's declared limit lowered to it.

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


def lines(proxy, before: int, level: str) -> list[str]:
    time.sleep(0.5)  # let the proxy finish its log lines
    return [line for line in proxy.log()[before:].splitlines() if level in line]


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
    assert errors == [], errors  # one WARNING line (refusal_log), no ERROR
    assert emulator.received() == []
    print(f"litellm {version('litellm')}: disable_fallbacks -> one 400 in {took * 1000:.0f} ms")


def test_without_it_only_litellm_1_106_walks_the_fallbacks(shipped_proxy, emulator):
    # What docs/errors.md says per version; no LaaS call either way.
    error, errors, took = refused(shipped_proxy)
    message = error.body["message"]
    if HAS_SETTING:
        assert message.count(TOO_MANY_PAGES) == 1 and WALKED not in message, message
        assert errors == [], errors
    else:  # 1.106.x: the plugin refuses it three times, the client reads it twice; the
        # router logs each fallback's failure at ERROR itself
        assert message.count(TOO_MANY_PAGES) == 2 and WALKED in message, message
        assert len(errors) == 3 and all("LiteLLM Router" in e for e in errors), errors
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


# --- what clients send that LaaS cannot honour (docs/parameters.md) ---------------------------

NOT_SENT = "not sent to LaaS (no such option there; docs/parameters.md)"


def chat_client(proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=proxy.master_key, max_retries=0)


def test_pis_reasoning_effort_is_ignored_with_one_info_line(shipped_proxy, emulator):
    # pi 0.73.1 with "reasoning": true. Before: LiteLLM's 400 UnsupportedParamsError with
    # advice (allowed_openai_params) that led to a second 400, and an ERROR line.
    before = len(shipped_proxy.log())
    reply = chat_client(shipped_proxy).chat.completions.create(
        model="claude-4-sonnet", reasoning_effort="medium", seed=7, max_completion_tokens=16384,
        messages=[{"role": "developer", "content": "Be brief."},
                  {"role": "user", "content": "Hi"}],
    )  # fmt: skip
    assert reply.choices[0].message.content.startswith("[laas-emulator] preset=claude-4-sonnet")
    (sent,) = emulator.received()
    assert set(sent) == {"hash", "params", "messages", "max_tokens"}, sent
    info = lines(shipped_proxy, before, NOT_SENT)
    assert len(info) == 1 and "claude-4-sonnet: reasoning_effort, seed " in info[0], info
    assert lines(shipped_proxy, before, "ERROR") == lines(shipped_proxy, before, "WARNING") == []


def test_the_responses_apis_reasoning_and_verbosity_are_ignored(shipped_proxy, emulator):
    # Before: LiteLLM's 400 for `reasoning_effort` (and, on 1.110, for `verbosity`).
    responses = chat_client(shipped_proxy).responses
    before = len(shipped_proxy.log())
    reply = responses.create(model="claude-4-sonnet", input="Hi", text={"verbosity": "low"},
                             reasoning={"effort": "medium", "summary": "auto"})  # fmt: skip
    assert reply.output_text.startswith("[laas-emulator] preset=claude-4-sonnet")
    (sent,) = emulator.received()
    assert set(sent) == {"hash", "params", "messages"}, sent
    (info,) = lines(shipped_proxy, before, NOT_SENT)
    assert "reasoning" in info and "text.verbosity" in info
    assert lines(shipped_proxy, before, "ERROR") == []


@pytest.mark.parametrize(
    ("asked", "place", "remedy"),
    [
        ({"logprobs": True}, "logprobs", "LaaS returns no token log probabilities; leave it out"),
        ({"logit_bias": {"50256": -100}}, "logit_bias", "leave it out"),
        ({"web_search_options": {}}, "web_search_options", "do not search the web"),
        ({"extra_body": {"chat_template_kwargs": {"documents": []}}},
         "chat_template_kwargs.documents", "Leave it out"),
    ],
)  # fmt: skip
def test_a_refused_key_is_the_plugins_400_naming_it_and_the_remedy(
    shipped_proxy, emulator, asked, place, remedy
):
    before = len(shipped_proxy.log())
    with pytest.raises(openai.BadRequestError) as caught:
        chat_client(shipped_proxy).chat.completions.create(
            model="claude-4-sonnet", messages=[{"role": "user", "content": "Hi"}],
            **{**asked, "extra_body": {**asked.get("extra_body", {}), "disable_fallbacks": True}},
        )  # fmt: skip
    message = caught.value.body["message"]
    assert f"LaaS: {place}: " in message and remedy in message, message
    assert "allowed_openai_params" not in message and "UnsupportedParamsError" not in message
    assert emulator.received() == []
    assert lines(shipped_proxy, before, "ERROR") == []
    assert len(lines(shipped_proxy, before, "WARNING")) <= 1


@pytest.mark.parametrize("door", ["chat", "responses"])
def test_max_tokens_above_the_deployments_limit_reaches_laas_lowered(shipped_proxy, emulator, door):
    # Qwen Code sends max_tokens 64000; config.yaml declares claude-3.5-sonnet's
    # max_output_tokens 8192. Before: 64000 was forwarded to LaaS.
    client = chat_client(shipped_proxy)
    before = len(shipped_proxy.log())
    if door == "chat":
        client.chat.completions.create(model="claude-3.5-sonnet", max_tokens=64000,
                                       messages=[{"role": "user", "content": "Hi"}])  # fmt: skip
    else:
        client.responses.create(model="claude-3.5-sonnet", input="Hi", max_output_tokens=64000)
    assert [body["max_tokens"] for body in emulator.received()] == [8192]
    (info,) = lines(shipped_proxy, before, "lowered")
    assert "claude-3.5-sonnet: max_tokens 64000 lowered to 8192" in info
    # A model declaring 64000 keeps it; below 1 stays the plugin's 400.
    emulator.reset()
    client.chat.completions.create(model="claude-4-sonnet", max_tokens=64000,
                                   messages=[{"role": "user", "content": "Hi"}])  # fmt: skip
    assert [body["max_tokens"] for body in emulator.received()] == [64000]
    with pytest.raises(openai.BadRequestError, match="max_tokens"):
        client.chat.completions.create(model="claude-3.5-sonnet", max_tokens=0,
                                       messages=[{"role": "user", "content": "Hi"}])  # fmt: skip
