"""The parameter policy on the in-process path (litellm.completion without the proxy, LaaS
mocked with respx): what is ignored is not sent and named in one INFO line, max_tokens above
the deployment's declared max_output_tokens is lowered to it (said in one INFO line), and
what LiteLLM itself refuses before the handler works once LiteLLM's own advice is followed."""

from __future__ import annotations

import json
import logging

import httpx
import litellm
import pytest

from laas_provider.settings import output_limit

from .test_handler_http import ANSWER, CHAT, call

pytestmark = pytest.mark.usefixtures("laas_registered")


@pytest.fixture
def sent(laas_api):
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    return lambda: json.loads(route.calls.last.request.content)


def infos(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "laas_provider" and
            r.levelno == logging.INFO]  # fmt: skip


def test_seed_and_prediction_are_not_sent_and_named_in_one_info_line(sent, caplog):
    caplog.set_level(logging.INFO, logger="laas_provider")
    prediction = {"type": "content", "content": "pong"}
    reply = litellm.completion(**call(seed=7, prediction=prediction, temperature=0.3))
    assert reply.choices[0].message.content == "pong"
    assert set(sent()) == {"hash", "params", "messages", "temperature"}
    (line,) = [m for m in infos(caplog) if "not sent" in m]
    named, rest = line.removeprefix("LaaS model test: ").split(" not sent", 1)
    assert set(named.split(", ")) == {"seed", "prediction"}  # in LiteLLM's order
    assert rest == " to LaaS (no such option there; docs/parameters.md)"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_litellms_own_advice_for_reasoning_effort_now_works(sent, caplog):
    # In-process, LiteLLM refuses reasoning_effort for a custom provider before the handler
    # runs (no proxy hook there); its advice, allowed_openai_params, used to give a second
    # 400 (the plugin's). Now the plugin ignores the key.
    caplog.set_level(logging.INFO, logger="laas_provider")
    with pytest.raises(litellm.UnsupportedParamsError):
        litellm.completion(**call(reasoning_effort="medium"))
    reply = litellm.completion(
        **call(reasoning_effort="medium", allowed_openai_params=["reasoning_effort"])
    )
    assert reply.choices[0].message.content == "pong"
    assert "reasoning_effort" not in sent()
    assert any(m.startswith("LaaS model test: reasoning_effort not sent") for m in infos(caplog))


def test_max_tokens_above_the_declared_limit_is_lowered_and_said(sent, caplog):
    caplog.set_level(logging.INFO, logger="laas_provider")
    litellm.completion(**call(max_tokens=64000, model_info={"max_output_tokens": 8192}))
    assert sent()["max_tokens"] == 8192
    assert (
        "LaaS model test: max_tokens 64000 lowered to 8192, the deployment's max_output_tokens"
        in infos(caplog)
    )
    caplog.clear()
    litellm.completion(**call(max_tokens=100, model_info={"max_output_tokens": 8192}))
    assert sent()["max_tokens"] == 100 and not infos(caplog)
    litellm.completion(**call(max_tokens=64000))  # no declared limit: nothing lowered
    assert sent()["max_tokens"] == 64000 and not infos(caplog)


def test_max_tokens_below_1_stays_a_400_under_a_limit(laas_api):
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    with pytest.raises(litellm.BadRequestError, match="max_tokens: must be a positive integer"):
        litellm.completion(**call(max_tokens=0, model_info={"max_output_tokens": 8192}))
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("litellm_params", "limit"),
    [
        ({"model_info": {"max_output_tokens": 8192}}, 8192),
        ({"model_info": {"max_output_tokens": "8192"}}, 8192),  # an env-expanded string
        ({"metadata": {"model_info": {"max_output_tokens": 4096}}}, 4096),
        ({"model_info": {"max_output_tokens": None}}, None),
        ({"model_info": {"max_output_tokens": 0}}, None),
        ({"model_info": {"max_output_tokens": True}}, None),
        ({"model_info": {"max_output_tokens": "lots"}}, None),
        ({"model_info": "x"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_the_declared_limit_is_read_from_the_deployments_model_info(litellm_params, limit):
    assert output_limit(litellm_params) == limit
