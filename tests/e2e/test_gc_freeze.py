"""The shipped GC tuning (``laas_provider.gc_freeze.freezer`` in config.yaml's callbacks)
through the real proxy: the heap is frozen after the warm-up calls, and cost tracking,
budgets and the other logging callbacks work as before."""

from __future__ import annotations

import time

import pytest

from laas_provider.proxy.gc_freeze import WARM_UP_CALLS

from .gateway import call, shipped_config, shipped_env, wait_for
from .harness import Proxy

MODEL = "claude-3.5-sonnet"  # no fallback in config.yaml: a budget refusal reaches the client
PRICE = 0.0002  # USD per token: one emulator answer (~75 tokens) costs about $0.015


@pytest.fixture(scope="module")
def proxy(emulator, log_dir):
    config = shipped_config()
    assert "laas_provider.gc_freeze.freezer" in config["litellm_settings"]["callbacks"]
    config["litellm_settings"]["callbacks"].append("cost_log.recorder")  # another callback
    config["router_settings"]["num_retries"] = 0
    model = next(m for m in config["model_list"] if m["model_name"] == MODEL)
    model["litellm_params"].update(max_budget=0.015 * (WARM_UP_CALLS + 8), budget_duration="1d")
    model["model_info"].update(input_cost_per_token=PRICE, output_cost_per_token=PRICE)
    server = Proxy(config, dict(shipped_env(emulator), LAAS_LOG_LEVEL="INFO"), log_dir,
                   name="proxy-gc-freeze")  # fmt: skip
    server.start()
    yield server
    server.stop()


def test_heap_is_frozen_after_warm_up_and_cost_budgets_callbacks_still_work(proxy):
    calls = []
    for _ in range(4 * WARM_UP_CALLS):
        calls.append(call(proxy, MODEL))
        if calls[-1].status != 200:
            break
        time.sleep(0.2)  # the proxy records each call's spend just after answering
    assert "heap frozen after warm-up" in proxy.log(), calls[:2]
    answered = [c for c in calls if c.status == 200]
    assert len(answered) > WARM_UP_CALLS  # the freeze came while calls kept succeeding
    assert all(c.cost > 0 for c in answered)  # cost tracking: x-litellm-response-cost
    assert calls[-1].status == 429, calls[-1]  # the deployment budget still refuses
    assert "budget" in calls[-1].message.lower()
    # The other logging callback still saw every answered call, with its cost.
    wait_for(lambda: len(proxy.costs()) >= len(answered))
    assert [round(c["cost"], 9) for c in proxy.costs()] == [round(c.cost, 9) for c in answered]
