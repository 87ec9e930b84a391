"""Scale-out: two proxy instances sharing one Redis enforce one provider budget together.

Both run config.yaml as shipped (its ``redis_host: os.environ/REDIS_HOST`` wiring), with
only the provider budget lowered so a few calls spend it, and retries off. A control pair
without Redis shows what the shared state changes: there, each instance has its own budget.

Needs Debian's ``redis-server`` (``scripts/system-deps.sh`` installs it); skipped otherwise.
"""

from __future__ import annotations

import time

import pytest
import redis

from .gateway import (
    assert_refused_exactly_once_spent,
    call,
    provider_spend,
    shipped_config,
    shipped_env,
    spend_until_refused,
    start_all,
    wait_for,
)
from .harness import Proxy, Redis

BUDGET = 0.005  # USD; config.yaml's prices make one emulator call cost about $0.0006
MODEL = "claude-3.5-sonnet"
SYNC_SECONDS = 1.0  # LiteLLM's DEFAULT_REDIS_SYNC_INTERVAL

if Redis.binary() is None:
    reason = "redis-server is not installed (run `sudo bash scripts/system-deps.sh`)"
    print(f"\nSKIP tests/e2e/test_scale_out.py: {reason}")
    pytest.skip(reason, allow_module_level=True)


def scale_out_config() -> dict:
    config = shipped_config()
    config["router_settings"]["num_retries"] = 0
    config["router_settings"]["provider_budget_config"]["laas"]["budget_limit"] = BUDGET
    return config


@pytest.fixture(scope="module")
def redis_server(log_dir):
    with Redis(log_dir) as server:
        yield server


@pytest.fixture(scope="module")
def pair(emulator, redis_server, log_dir):
    env = {**shipped_env(emulator), "REDIS_HOST": redis_server.host,
           "REDIS_PORT": str(redis_server.port)}  # fmt: skip
    servers = tuple(
        Proxy(scale_out_config(), env, log_dir, name=f"proxy-redis-{name}") for name in "ab"
    )
    start_all(*servers)
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def unshared_pair(emulator, log_dir):
    servers = tuple(
        Proxy(scale_out_config(), shipped_env(emulator), log_dir, name=f"proxy-alone-{name}")
        for name in "ab"
    )
    start_all(*servers)
    yield servers
    for server in servers:
        server.stop()


def test_two_instances_with_redis_enforce_one_provider_budget(pair, redis_server):
    a, b = pair
    propagation: list[float] = []

    def next_call(i: int):
        this, other = (a, b) if i % 2 == 0 else (b, a)
        result = call(this, MODEL)
        if result.status == 200:
            # Each instance pushes its spend to Redis and pulls the others' every
            # DEFAULT_REDIS_SYNC_INTERVAL (1 s). /provider/budgets reads Redis itself; the
            # check before a call reads the instance's in-memory copy, one pull later.
            total = provider_spend(this)
            propagation.append(wait_for(lambda: provider_spend(other) >= total - 1e-12, seconds=15))
            time.sleep(SYNC_SECONDS + 0.5)
        return result

    calls = spend_until_refused(next_call, pause=0)
    # Alternating, so each instance alone spent about half the budget: only the shared
    # total can have stopped them.
    assert len(calls) >= 4
    assert_refused_exactly_once_spent(calls, BUDGET)
    own = [sum(c.cost for c in calls[i:-1:2]) for i in (0, 1)]
    assert max(own) < BUDGET, own
    # Both instances now refuse, and both report the same spend, which Redis holds.
    spent = sum(c.cost for c in calls[:-1])
    for proxy in pair:
        assert call(proxy, MODEL).status == 429
        assert provider_spend(proxy) == pytest.approx(spent)
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    keys = client.keys("provider_spend:laas:*")
    assert len(keys) == 1, keys
    assert float(client.get(keys[0])) == pytest.approx(spent)
    print(f"\nscale-out: {len(calls) - 1} calls spent ${spent:.6f} of ${BUDGET}; each call's "
          f"spend reached Redis within {max(propagation):.2f} s")  # fmt: skip


def test_without_redis_each_instance_keeps_its_own_budget(unshared_pair):
    # The control: the same config and calls, no Redis. Instance a spends its budget...
    a, b = unshared_pair
    calls = spend_until_refused(lambda _: call(a, MODEL))
    assert_refused_exactly_once_spent(calls, BUDGET)
    # ...and instance b, which knows nothing of it, still answers.
    time.sleep(1.5)  # longer than the Redis sync interval, in case anything were shared
    assert provider_spend(b) == 0
    assert call(b, MODEL).status == 200
