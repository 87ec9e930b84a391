"""Load balancing across LaaS deployments through the real proxy: one preset behind two LaaS
projects (different project codes and keys, both on one emulator, which counts calls per
project) under one ``model_name`` — the example of docs/gateway.md#load-balancing.

Shown: calls are spread over both; a per-deployment ``rpm`` limit moves traffic to the other
deployment; a deployment that keeps answering 503 is cooled down and the other carries all
traffic; each deployment's budget and spend add up on its own. One proxy per router setup,
``num_retries: 0`` so each failure is one LaaS call.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from laas_provider.emulator import preset_hash

from .conftest import PRICES
from .gateway import Call, call
from .harness import Emulator, Proxy, provider_map

MODEL = "laas-lb"
PROJECTS = {"LB_PROJECT_A": "lb-test-key-a-0123456789", "LB_PROJECT_B": "lb-test-key-b-0123456789"}
A, B = "laas-a", "laas-b"  # model_info.id of the deployments: x-litellm-model-id, metric labels
CODE = {A: "LB_PROJECT_A", B: "LB_PROJECT_B"}
BUDGET = {A: 0.002, B: 0.004}  # USD per day; a call below costs ~0.0007
RPM = {A: 3, B: 6}


def deployment(emulator: Emulator, ident: str, **params: object) -> dict:
    return {
        "model_name": MODEL,
        "litellm_params": {
            "model": "laas/claude-4-sonnet",
            "api_base": emulator.url,
            "project_code": CODE[ident],
            "api_key": PROJECTS[CODE[ident]],
            "preset_hash": preset_hash("echo"),
            **params,
        },
        "model_info": {"id": ident, **PRICES},
    }


def config(emulator: Emulator, router: dict, a: dict | None = None, b: dict | None = None,
           **settings: object) -> dict:  # fmt: skip
    return {
        "model_list": [deployment(emulator, A, **(a or {})), deployment(emulator, B, **(b or {}))],
        "litellm_settings": {**provider_map(), **settings},
        "router_settings": {"num_retries": 0, **router},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }


@pytest.fixture(scope="module")
def lb_emulator(log_dir):
    with Emulator(log_dir, projects=PROJECTS) as emu:
        yield emu


def start(log_dir, name: str, cfg: dict):
    with Proxy(cfg, {}, log_dir, name=f"proxy-lb-{name}") as server:
        yield server


@pytest.fixture(scope="module")
def shuffled(lb_emulator, log_dir):
    # LiteLLM's default strategy: a random deployment per call (weighted by rpm if set). A
    # deployment failing more than allowed_fails times is cooled down for cooldown_time s.
    cfg = config(lb_emulator, {"routing_strategy": "simple-shuffle", "allowed_fails": 1,
                               "cooldown_time": 60})  # fmt: skip
    yield from start(log_dir, "shuffle", cfg)


@pytest.fixture(scope="module")
def rate_limited(lb_emulator, log_dir):
    # Usage-based routing honours each deployment's rpm before choosing it.
    router = {"routing_strategy": "usage-based-routing-v2"}
    yield from start(log_dir, "rpm", config(lb_emulator, router, {"rpm": RPM[A]}, {"rpm": RPM[B]}))


@pytest.fixture(scope="module")
def budgeted(lb_emulator, log_dir):
    a = {"max_budget": BUDGET[A], "budget_duration": "1d"}
    b = {"max_budget": BUDGET[B], "budget_duration": "1d"}
    yield from start(log_dir, "budget", config(lb_emulator, {}, a, b, callbacks=["prometheus"]))


@pytest.fixture(autouse=True)
def clean(lb_emulator):
    lb_emulator.reset()


def calls_per_project(emulator: Emulator) -> Counter:
    return Counter(emulator.stats()["by_project"])


def answered_by(calls: list[Call], ids: list[str]) -> Counter:
    """Calls answered per project code, as the proxy's x-litellm-model-id headers say."""
    return Counter(CODE[i] for c, i in zip(calls, ids, strict=True) if c.status == 200)


def send(proxy: Proxy, n: int, pause: float = 0.0) -> tuple[list[Call], list[str]]:
    """``n`` calls one after the other: what each got, and which deployment answered."""
    calls, ids = [], []
    for i in range(n):
        result = call(proxy, MODEL, content=f"Balance me ({i}).", key=None)
        calls.append(result)
        ids.append(result.deployment)
        time.sleep(pause)
    return calls, ids


def test_calls_are_spread_over_both_projects(shuffled, lb_emulator):
    calls, ids = send(shuffled, 20)
    assert [c.status for c in calls] == [200] * 20
    per_project = calls_per_project(lb_emulator)
    # Each project got some (all 20 on one: probability 2 x 0.5^20), and the emulator saw
    # exactly the calls the proxy says each deployment answered.
    assert set(per_project) == set(PROJECTS) and min(per_project.values()) >= 1
    assert per_project == answered_by(calls, ids)


def test_a_failing_project_is_cooled_down_and_the_other_carries_all_traffic(shuffled, lb_emulator):
    # After the spread test, on the same proxy: both deployments start healthy.
    lb_emulator.queue_fault(status=503, count=1000, project=CODE[B], body={"message": "down"})
    # Until B has failed allowed_fails + 1 = 2 times (each a 503 to its client: no retries
    # here). The shuffle picks B for about half the calls; 40 is a bound, not a wait
    # (fewer than 2 picks of B in 40: probability 41 / 2^40).
    statuses: list[int] = []
    while statuses.count(503) < 2 and len(statuses) < 40:
        (result,), _ = send(shuffled, 1)
        statuses.append(result.status)
    assert statuses.count(503) == 2, statuses
    # ...and from its second failure on, every call goes to A.
    calls, ids = send(shuffled, 10)
    assert [c.status for c in calls] == [200] * 10
    assert set(ids) == {A}
    assert calls_per_project(lb_emulator) == {CODE[A]: len(statuses) - 2 + 10, CODE[B]: 2}


def test_a_deployment_at_its_rpm_limit_sends_traffic_to_the_other(rate_limited, lb_emulator):
    # Limits count per UTC minute: start early in one so that the run stays inside it.
    second = datetime.now(UTC).second
    if second > 45:
        time.sleep(61 - second)
    calls, ids = send(rate_limited, 9, pause=0.3)
    served = answered_by(calls, ids)
    statuses = [c.status for c in calls]
    # Observed on litellm 1.108.7: a deployment is left out once its count this minute plus
    # the call would reach its rpm, so it serves rpm - 1 calls a minute.
    assert served == {CODE[A]: RPM[A] - 1, CODE[B]: RPM[B] - 1}, (statuses, ids)
    assert calls_per_project(lb_emulator) == served
    # While one deployment is full the other carries the traffic: no refusal until both are.
    first_refusal = statuses.index(429)
    assert first_refusal == sum(served.values())
    assert set(statuses[first_refusal:]) == {429}
    assert "No deployments available" in calls[-1].message


def test_budgets_and_spend_add_up_per_deployment(budgeted, lb_emulator):
    proxy = budgeted
    calls, ids = send(proxy, 14, pause=0.5)  # spend is recorded just after each answer
    statuses = [c.status for c in calls]
    spent = {d: [c.cost for c, i in zip(calls, ids, strict=True) if i == d] for d in (A, B)}
    for d in (A, B):
        # Each deployment answered while its own spend was under its budget, and not after.
        assert spent[d], (d, statuses, ids)
        total, last = sum(spent[d]), spent[d][-1]
        assert total - last < BUDGET[d] <= total, (d, spent[d])
    assert calls_per_project(lb_emulator) == answered_by(calls, ids)
    # Both over budget: the group refuses with 429 and calls nothing upstream.
    assert statuses[-1] == 429 and "budget" in calls[-1].message.lower()
    assert sum(calls_per_project(lb_emulator).values()) == statuses.count(200)
    # The proxy's own books, per deployment: Prometheus's spend by model_id.
    metrics = metrics_of(proxy)
    for d in (A, B):
        assert spend_of(metrics, d) == pytest.approx(sum(spent[d]), rel=1e-6)
    for secret in (*PROJECTS, *PROJECTS.values()):
        assert secret not in metrics


def metrics_of(proxy: Proxy) -> str:
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    deadline = time.monotonic() + 10
    text = ""
    while time.monotonic() < deadline:
        text = httpx.get(f"{proxy.url}/metrics/", headers=headers, timeout=30).text
        if "litellm_spend_metric_total{" in text:
            break
        time.sleep(0.3)
    return text


def spend_of(metrics: str, model_id: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(metrics)
        for s in family.samples
        if s.name == "litellm_spend_metric_total" and s.labels.get("model_id") == model_id
    )
