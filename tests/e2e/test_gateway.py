"""The shipped config.yaml through the real proxy: three LaaS presets as models, prices,
retries, the fallback chain and /health — each gateway feature shown on the emulator.

One proxy for the module, started from config.yaml exactly as users get it; only the
environment its ``os.environ/...`` references read is pointed at the emulator.
"""

from __future__ import annotations

import httpx
import pytest

from laas_provider.emulator.presets import CONFIG_MODELS, preset_hash

from .gateway import (
    chat,
    cost_of,
    model_prices,
    provider_spend,
    shipped_config,
    shipped_env,
    start_all,
    stream_chat,
    wait_for,
)
from .harness import Proxy

CONFIG = shipped_config()
PRICES = model_prices(CONFIG)


@pytest.fixture(scope="module")
def proxies(emulator, log_dir):
    # config.yaml as shipped, and the same with cooldowns off: the fallback tests fail
    # claude-4-sonnet on purpose, more often than allowed_fails, and each must start from a
    # healthy router. What cooldowns do is shown on the first proxy (last test).
    steady_config = shipped_config()
    steady_config["router_settings"]["disable_cooldowns"] = True
    servers = (
        Proxy(CONFIG, shipped_env(emulator), log_dir, name="proxy-shipped"),
        Proxy(steady_config, shipped_env(emulator), log_dir, name="proxy-no-cooldowns"),
    )
    start_all(*servers)
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def shipped(proxies) -> Proxy:
    return proxies[0]


@pytest.fixture(scope="module")
def steady(proxies) -> Proxy:
    return proxies[1]


def hashes(emulator) -> list[str]:
    return [body["hash"] for body in emulator.received()]


def answered_by(text: str) -> str:
    """The emulator preset that wrote an answer (its first line names it)."""
    return text.split("\n", 1)[0].removeprefix("[laas-emulator] preset=")


# --- the shipped config ---------------------------------------------------------------------


def test_config_yaml_serves_the_three_models_each_from_its_own_preset(shipped, emulator):
    assert sorted(PRICES) == sorted(CONFIG_MODELS)
    for model in CONFIG_MODELS:
        response = chat(shipped, model)
        assert response.status_code == 200, response.text
        assert answered_by(response.json()["choices"][0]["message"]["content"]) == model
    assert hashes(emulator) == [preset_hash(m) for m in CONFIG_MODELS]


# --- cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", CONFIG_MODELS)
def test_cost_header_is_usage_times_the_configured_prices(shipped, model):
    response = chat(shipped, model, content="What does a preset cost? " * 20)
    assert response.status_code == 200, response.text
    usage = response.json()["usage"]
    assert usage["prompt_tokens"] > 50 and usage["completion_tokens"] > 0
    price_in, price_out = PRICES[model]
    headers = response.headers
    assert float(headers["x-litellm-response-cost"]) == pytest.approx(cost_of(usage, PRICES[model]))
    assert float(headers["x-litellm-response-cost-input"]) == pytest.approx(
        usage["prompt_tokens"] * price_in
    )
    assert float(headers["x-litellm-response-cost-output"]) == pytest.approx(
        usage["completion_tokens"] * price_out
    )


def test_streamed_cost_is_usage_times_the_configured_prices(shipped):
    model = "claude-4-sonnet"
    before = provider_spend(shipped)
    streamed = stream_chat(shipped, model, content="Stream the cost, please. " * 20)
    assert streamed.status == 200, streamed.body
    usage = streamed.usage
    assert usage is not None, "no usage in the stream"
    expected = cost_of(usage, PRICES[model])
    # The last chunk carries usage and the cost the proxy computed from it.
    assert streamed.chunks[-1]["usage"] == usage
    assert usage["cost"] == pytest.approx(expected)
    # The proxy's own spend accounting (the provider budget) counts the same figure.
    wait_for(lambda: provider_spend(shipped) > before, seconds=10)
    assert provider_spend(shipped) - before == pytest.approx(expected)
    # Headers go out before the answer exists: the stream's cost header cannot hold it.
    header = streamed.headers.get("x-litellm-response-cost")
    assert header is None or float(header) in (0.0, pytest.approx(expected))


def test_non_streamed_cost_is_what_the_budget_counts(shipped):
    before = provider_spend(shipped)
    response = chat(shipped, "claude-3.7-sonnet")
    cost = float(response.headers["x-litellm-response-cost"])
    wait_for(lambda: provider_spend(shipped) > before, seconds=10)
    assert provider_spend(shipped) - before == pytest.approx(cost)


# --- retries and fallbacks ------------------------------------------------------------------


def test_a_429_is_retried_on_the_same_model(shipped, emulator):
    emulator.queue_fault(status=429, count=1, body={"message": "rate limited"})
    response = chat(shipped, "claude-3.5-sonnet")
    assert response.status_code == 200, response.text
    assert response.headers["x-litellm-attempted-retries"] == "1"
    assert response.headers["x-litellm-attempted-fallbacks"] == "0"
    assert hashes(emulator) == [preset_hash("claude-3.5-sonnet")] * 2


def test_a_401_is_not_retried(shipped, emulator):
    # claude-3.5-sonnet has no fallback in config.yaml: the client sees LaaS's refusal.
    emulator.queue_fault(status=401, count=1, body={"message": "invalid apiKey"})
    response = chat(shipped, "claude-3.5-sonnet")
    assert response.status_code == 401, response.text
    assert hashes(emulator) == [preset_hash("claude-3.5-sonnet")]


def test_a_failing_model_is_retried_then_falls_back_to_the_next(steady, emulator):
    # claude-4-sonnet fails three times (the call and num_retries: 2), then its first
    # fallback, claude-3.7-sonnet, answers.
    emulator.queue_fault(status=503, count=3, body={"message": "maintenance"})
    response = chat(steady, "claude-4-sonnet")
    assert response.status_code == 200, response.text
    assert response.headers["x-litellm-attempted-fallbacks"] == "1"
    assert answered_by(response.json()["choices"][0]["message"]["content"]) == "claude-3.7-sonnet"
    assert hashes(emulator) == [preset_hash("claude-4-sonnet")] * 3 + [
        preset_hash("claude-3.7-sonnet")
    ]


def test_the_fallback_chain_goes_on_to_the_last_model(steady, emulator):
    # Two refusals (not retried): claude-4-sonnet, then claude-3.7-sonnet; claude-3.5 answers.
    emulator.queue_fault(status=401, count=2, body={"message": "preset disabled"})
    response = chat(steady, "claude-4-sonnet")
    assert response.status_code == 200, response.text
    assert answered_by(response.json()["choices"][0]["message"]["content"]) == "claude-3.5-sonnet"
    assert response.headers["x-litellm-model-group"] == "claude-3.5-sonnet"
    # Observed on litellm 1.108.7: the header counts one fallback although two models of the
    # list were tried (the emulator saw both). Read x-litellm-model-group for who answered.
    assert response.headers["x-litellm-attempted-fallbacks"] == "1"
    assert hashes(emulator) == [preset_hash(m) for m in reversed(CONFIG_MODELS)]


def test_a_streamed_call_falls_back_too(steady, emulator):
    emulator.queue_fault(status=401, count=1, body={"message": "preset disabled"})
    streamed = stream_chat(steady, "claude-4-sonnet")
    assert streamed.status == 200, streamed.body
    assert streamed.headers["x-litellm-attempted-fallbacks"] == "1"
    assert answered_by(streamed.text) == "claude-3.7-sonnet"
    usage = streamed.usage
    assert usage["cost"] == pytest.approx(cost_of(usage, PRICES["claude-3.7-sonnet"]))


def test_without_a_fallback_the_client_sees_the_error_after_the_retries(shipped, emulator):
    emulator.queue_fault(status=503, count=10, body={"message": "maintenance"})
    response = chat(shipped, "claude-3.5-sonnet")
    assert response.status_code == 503, response.text
    assert "maintenance" in response.json()["error"]["message"]
    assert len(emulator.received()) == 3  # the call and two retries


# --- health ---------------------------------------------------------------------------------


def get(proxy: Proxy, path: str) -> httpx.Response:
    return httpx.get(
        f"{proxy.url}{path}", headers={"Authorization": f"Bearer {proxy.master_key}"}, timeout=60
    )


def test_health_reports_every_model_healthy_with_one_small_call_each(shipped, emulator):
    spend_before = provider_spend(shipped)
    report = get(shipped, "/health").json()
    assert report["healthy_count"] == 3 and report["unhealthy_count"] == 0, report
    assert sorted(e["model"] for e in report["healthy_endpoints"]) == sorted(
        f"laas/{m}" for m in CONFIG_MODELS
    )
    # The cost of a check, measured: one LaaS call per model, capped at 16 output tokens.
    bodies = emulator.received()
    assert sorted(b["hash"] for b in bodies) == sorted(preset_hash(m) for m in CONFIG_MODELS)
    assert all(0 < b.get("max_tokens", 0) <= 16 for b in bodies), bodies
    # Health checks are not charged to the router's budgets (LaaS still bills them).
    assert provider_spend(shipped) == pytest.approx(spend_before)


def test_liveliness_and_readiness_make_no_laas_call(shipped, emulator):
    for path in ("/health/liveliness", "/health/readiness"):
        assert get(shipped, path).status_code == 200
    assert emulator.received() == []


def test_health_reports_every_model_unhealthy_when_laas_fails(shipped, emulator):
    emulator.queue_fault(status=503, count=100, body={"message": "maintenance"})
    report = get(shipped, "/health").json()
    assert report["healthy_count"] == 0 and report["unhealthy_count"] == 3, report
    for endpoint in report["unhealthy_endpoints"]:
        assert endpoint["exception_status"] == 503, endpoint
        assert "maintenance" in endpoint["error"]
    # A health check is not retried: still one call per model.
    assert len(emulator.received()) == 3


def test_health_reports_wrong_credentials_as_unhealthy(shipped, emulator):
    emulator.queue_fault(status=401, count=100, body={"message": "invalid apiKey"})
    report = get(shipped, "/health").json()
    assert report["unhealthy_count"] == 3, report
    assert {e["exception_status"] for e in report["unhealthy_endpoints"]} == {401}


# --- cooldowns (last: they change the router's state for a while) --------------------------


def test_a_model_failing_more_than_allowed_fails_is_skipped_during_its_cooldown(shipped, emulator):
    allowed = CONFIG["router_settings"]["allowed_fails"]
    # claude-4-sonnet fails (401: not retried) allowed + 1 times within a minute; each call
    # is still answered, by its fallback.
    for _ in range(allowed + 1):
        emulator.queue_fault(status=401, count=1, body={"message": "preset disabled"})
        response = chat(shipped, "claude-4-sonnet")
        assert response.headers["x-litellm-model-group"] == "claude-3.7-sonnet", response.text
    emulator.reset()
    # Now it is cooling down: its calls go straight to the fallback, LaaS sees no call for it.
    response = chat(shipped, "claude-4-sonnet")
    assert response.status_code == 200, response.text
    assert response.headers["x-litellm-model-group"] == "claude-3.7-sonnet"
    assert hashes(emulator) == [preset_hash("claude-3.7-sonnet")]


def test_a_model_without_fallback_is_never_cooled_down(shipped, emulator):
    # claude-3.5-sonnet has no fallback: after many failures its clients still get LaaS's
    # own error (not "all deployments in cooldown"), and the next healthy call is answered.
    allowed = CONFIG["router_settings"]["allowed_fails"]
    emulator.queue_fault(status=401, count=allowed + 2, body={"message": "invalid apiKey"})
    for _ in range(allowed + 2):
        response = chat(shipped, "claude-3.5-sonnet")
        assert response.status_code == 401, response.text
        assert "invalid apiKey" in response.json()["error"]["message"]
    assert chat(shipped, "claude-3.5-sonnet").status_code == 200
    assert len(emulator.received()) == allowed + 3
