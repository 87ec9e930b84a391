"""Router budgets through the real proxy, no database: a deployment budget
(``litellm_params.max_budget`` / ``budget_duration``) and a provider budget
(``router_settings.provider_budget_config``) answer 429 once their spend is reached.

Prices are high so a few calls spend a budget; every figure is read back from the proxy
(cost headers, /provider/budgets), and the boundary is checked against the sum of what the
proxy charged, not against a call count worked out in advance.
"""

from __future__ import annotations

import time

import pytest

from .conftest import laas_model
from .gateway import (
    assert_refused_exactly_once_spent,
    call,
    chat,
    cost_of,
    provider_budgets,
    provider_spend,
    spend_until_refused,
    start_all,
    wait_for,
)
from .harness import Proxy, provider_map

PRICE = 0.0005  # USD per token, in and out: one emulator answer costs about $0.02
PRICES = {"mode": "chat", "input_cost_per_token": PRICE, "output_cost_per_token": PRICE}
DEPLOYMENT_BUDGET = 0.05
PROVIDER_BUDGET = 0.08
WINDOW_SECONDS = 4  # the short window of `windowed`


def priced(name: str, **params: object) -> dict:
    return {**laas_model(name, **params), "model_info": PRICES}


def config(models: list[dict], **router: object) -> dict:
    return {
        "model_list": models,
        "litellm_settings": provider_map(),
        "router_settings": {"num_retries": 0, **router},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }


@pytest.fixture(scope="module")
def proxies(emulator, log_dir):
    deployment = config(
        [
            priced("budgeted", max_budget=DEPLOYMENT_BUDGET, budget_duration="1d"),
            priced("budgeted-with-fallback", max_budget=DEPLOYMENT_BUDGET, budget_duration="1d"),
            priced("windowed", max_budget=DEPLOYMENT_BUDGET, budget_duration=f"{WINDOW_SECONDS}s"),
            priced("unbudgeted"),
        ],
        fallbacks=[{"budgeted-with-fallback": ["unbudgeted"]}],
    )
    provider = config(
        [priced("laas-a"), priced("laas-b")],
        provider_budget_config={"laas": {"budget_limit": PROVIDER_BUDGET, "time_period": "1d"}},
    )
    servers = (
        Proxy(deployment, emulator.laas_env(), log_dir, name="proxy-deployment-budget"),
        Proxy(provider, emulator.laas_env(), log_dir, name="proxy-provider-budget"),
    )
    start_all(*servers)
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def deployment_proxy(proxies) -> Proxy:
    return proxies[0]


@pytest.fixture(scope="module")
def provider_proxy(proxies) -> Proxy:
    return proxies[1]


# --- deployment budget ----------------------------------------------------------------------


def test_deployment_budget_answers_429_once_spent(deployment_proxy):
    calls = spend_until_refused(lambda _: call(deployment_proxy, "budgeted"))
    assert len(calls) >= 3, "the budget should allow a few calls"
    for c in calls[:-1]:
        assert c.cost == pytest.approx(cost_of(c.usage, (PRICE, PRICE)))
    assert_refused_exactly_once_spent(calls, DEPLOYMENT_BUDGET)
    spent = sum(c.cost for c in calls[:-1])
    print(
        f"\ndeployment budget ${DEPLOYMENT_BUDGET}: {len(calls) - 1} calls (${spent:.4f}), then 429"
    )
    # It stays refused, and only that deployment is stopped.
    assert call(deployment_proxy, "budgeted").status == 429
    assert call(deployment_proxy, "unbudgeted").status == 200


def test_spent_deployment_budget_sends_calls_to_the_fallback(deployment_proxy):
    # With a fallback the client never sees the 429: once the budget is spent, the calls
    # are answered by the fallback model.
    served: list[tuple[str, float, str]] = []  # (model group, cost, attempted fallbacks)
    for _ in range(40):
        response = chat(deployment_proxy, "budgeted-with-fallback")
        assert response.status_code == 200, response.text
        headers = response.headers
        served.append(
            (
                headers["x-litellm-model-group"],
                float(headers["x-litellm-response-cost"]),
                headers["x-litellm-attempted-fallbacks"],
            )
        )
        if served[-1][0] != "budgeted-with-fallback":
            break
        time.sleep(0.5)
    *own, switched = served
    assert switched[0] == "unbudgeted" and switched[2] == "1", served
    assert all(group == "budgeted-with-fallback" and tries == "0" for group, _, tries in own)
    spent = sum(cost for _, cost, _ in own)
    assert spent - own[-1][1] < DEPLOYMENT_BUDGET <= spent, served
    print(f"\nbudget ${DEPLOYMENT_BUDGET} spent after {len(own)} calls (${spent:.4f}): "
          "the next was answered by the fallback")  # fmt: skip


def test_deployment_budget_opens_again_in_the_next_window(deployment_proxy):
    calls = spend_until_refused(lambda _: call(deployment_proxy, "windowed"), pause=0.3)
    assert_refused_exactly_once_spent(calls, DEPLOYMENT_BUDGET)
    refused_at = time.monotonic()
    wait_for(lambda: call(deployment_proxy, "windowed").status == 200, seconds=WINDOW_SECONDS + 10)
    print(f"\n{WINDOW_SECONDS} s budget window: open again {time.monotonic() - refused_at:.1f} s "
          "after the refusal")  # fmt: skip


# --- provider budget ------------------------------------------------------------------------


def test_provider_budget_answers_429_for_every_laas_model_once_spent(provider_proxy):
    assert provider_spend(provider_proxy) == 0
    models = ("laas-a", "laas-b")
    calls = spend_until_refused(lambda i: call(provider_proxy, models[i % 2]))
    assert len(calls) >= 3
    assert_refused_exactly_once_spent(calls, PROVIDER_BUDGET)
    # The proxy's own account of the spend is the sum of what it charged.
    spent = sum(c.cost for c in calls[:-1])
    assert provider_spend(provider_proxy) == pytest.approx(spent)
    print(f"\nprovider budget ${PROVIDER_BUDGET}: {len(calls) - 1} calls (${spent:.4f}) then 429")
    budget = provider_budgets(provider_proxy)["laas"]
    assert budget["budget_limit"] == pytest.approx(PROVIDER_BUDGET)
    # Both models of the provider are refused now.
    for model in models:
        refused = call(provider_proxy, model)
        assert refused.status == 429 and "budget" in refused.message.lower(), refused
