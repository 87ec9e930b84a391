"""Monitoring through the real proxy, started from the shipped config.yaml: the Prometheus
series LiteLLM writes for LaaS models (counts, status labels, latency, tokens, spend,
fallbacks, cooldowns; no secret in any label), the Grafana dashboard's queries checked
against that very /metrics text, and JSON logs that follow one LaaS call by its id.

One proxy for the module; its traffic is sent once (``traffic``) and every test reads
what it left behind. ``num_retries: 0`` (no back-off waits) is the only change to the
shipped router settings, so each failure below is exactly one LaaS call.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from laas_provider.emulator.presets import PRESETS, preset_hash

from .gateway import ROOT, chat, cost_of, model_prices, shipped_config, shipped_env, stream_chat
from .harness import MASTER_KEY, Emulator, Proxy, free_port

MONITORING = ROOT / "monitoring"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "laas.json"
PLAIN = "claude-3.5-sonnet"  # no fallback in config.yaml: clients see LaaS's errors
PRIMARY, FALLBACK = "claude-4-sonnet", "claude-3.7-sonnet"  # PRIMARY falls back to FALLBACK
TRACE = "ops-trace-0001"  # a client's x-litellm-trace-id


@dataclass
class Traffic:
    """What the module sent, and what its answers said, to compare with /metrics."""

    ok: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    prompt_tokens: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    completion_tokens: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cost: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    answer_ids: list[str] = field(default_factory=list)
    fallbacks: int = 0
    metrics: str = ""

    def count(self, model: str, usage: dict[str, Any], cost: float) -> None:
        self.ok[model] += 1
        self.prompt_tokens[model] += usage["prompt_tokens"]
        self.completion_tokens[model] += usage["completion_tokens"]
        self.cost[model] += cost


@pytest.fixture(scope="module")
def monitored(emulator: Emulator, log_dir) -> Proxy:
    config = shipped_config()
    config["router_settings"]["num_retries"] = 0
    config["litellm_settings"]["json_logs"] = True
    with Proxy(config, shipped_env(emulator), log_dir, name="proxy-monitoring") as proxy:
        yield proxy


def metrics_text(proxy: Proxy, key: str | None = MASTER_KEY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(f"{proxy.url}/metrics/", headers=headers, timeout=30)


@pytest.fixture(scope="module")
def traffic(monitored: Proxy, emulator: Emulator, log_dir) -> Traffic:
    emulator.reset()
    prices = model_prices(shipped_config())
    seen = Traffic()
    for i in range(3):
        response = chat(monitored, PLAIN, content=f"Count me, please ({i}). " * (i + 1))
        assert response.status_code == 200, response.text
        body = response.json()
        seen.count(PLAIN, body["usage"], float(response.headers["x-litellm-response-cost"]))
        seen.answer_ids.append(body["id"])
    for i in range(2):
        streamed = stream_chat(monitored, PLAIN, content=f"Stream me ({i}). " * 5)
        assert streamed.status == 200, streamed.body
        seen.count(PLAIN, streamed.usage, cost_of(streamed.usage, prices[PLAIN]))
    # Refused by the plugin before any LaaS call (400), then LaaS failing (503).
    refused = chat(monitored, PLAIN, params={"question": {"not": "a string"}})
    assert refused.status_code == 400, refused.text
    emulator.queue_fault(status=503, count=1, body={"message": "maintenance"})
    failed = chat(monitored, PLAIN)
    assert failed.status_code == 503, failed.text
    # FALLBACK fails, and so does its own fallback (PLAIN): a failed fallback, 503.
    emulator.queue_fault(status=503, count=2, body={"message": "maintenance"})
    assert chat(monitored, FALLBACK).status_code == 503
    # PRIMARY fails more often than allowed_fails (5): each call falls back to FALLBACK,
    # and the router cools PRIMARY down.
    allowed_fails = int(shipped_config()["router_settings"]["allowed_fails"])
    for _ in range(allowed_fails + 1):
        emulator.queue_fault(status=503, count=1, body={"message": "maintenance"})
        response = chat(monitored, PRIMARY)
        assert response.status_code == 200, response.text
        assert response.headers["x-litellm-model-group"] == FALLBACK
        seen.fallbacks += int(response.headers["x-litellm-attempted-fallbacks"])
    # One call with a trace id of the client's, for the log test.
    response = httpx.post(
        f"{monitored.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {MASTER_KEY}", "x-litellm-trace-id": TRACE},
        json={"model": PLAIN, "messages": [{"role": "user", "content": "Trace me."}]},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    seen.count(PLAIN, response.json()["usage"], float(response.headers["x-litellm-response-cost"]))
    seen.answer_ids.append(response.json()["id"])
    # The proxy counts after answering (callbacks run in the background).
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        seen.metrics = metrics_text(monitored).text
        if sample(seen.metrics, "litellm_spend_metric_total", model=PLAIN) >= seen.cost[PLAIN] * (
            1 - 1e-9
        ) and sample(seen.metrics, "litellm_deployment_cooled_down_total"):
            break
        time.sleep(0.3)
    (log_dir / "monitoring-metrics.txt").write_text(seen.metrics)  # for a failure's post-mortem
    return seen


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def sample(text: str, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(
        value
        for sample_name, sample_labels, value in samples(text)
        if sample_name == name and labels.items() <= sample_labels.items()
    )


# --- /metrics -------------------------------------------------------------------------------


def test_metrics_need_the_proxys_auth(monitored):
    assert metrics_text(monitored, key=None).status_code == 401
    assert metrics_text(monitored, key="sk-not-a-key").status_code == 401
    response = metrics_text(monitored)
    assert response.status_code == 200
    assert "litellm_proxy_total_requests_metric" in response.text


def test_requests_are_counted_by_status_and_model(traffic):
    total = "litellm_proxy_total_requests_metric_total"
    by = {"requested_model": PLAIN, "api_provider": "laas"}
    assert sample(traffic.metrics, total, status_code="200", **by) == traffic.ok[PLAIN] == 6
    assert sample(traffic.metrics, total, status_code="400", **by) == 1
    assert sample(traffic.metrics, total, status_code="503", **by) == 1
    failed = "litellm_proxy_failed_requests_metric_total"
    assert sample(traffic.metrics, failed, exception_status="400", requested_model=PLAIN) == 1
    assert sample(traffic.metrics, failed, exception_status="503", requested_model=PLAIN) == 1
    # A fallback's answer is counted under the model group that gave it.
    assert sample(traffic.metrics, total, status_code="200", requested_model=PRIMARY) == 0
    assert sample(traffic.metrics, total, status_code="200", requested_model=FALLBACK) == (
        traffic.fallbacks
    )


def test_latency_histogram_has_one_observation_per_answered_call(traffic):
    name = "litellm_request_total_latency_metric"
    count = sample(traffic.metrics, f"{name}_count", model_group=PLAIN)
    assert count == traffic.ok[PLAIN]
    assert sample(traffic.metrics, f"{name}_sum", model_group=PLAIN) > 0
    buckets = sorted(
        (float(labels["le"]), value)
        for sample_name, labels, value in samples(traffic.metrics)
        if sample_name == f"{name}_bucket" and labels.get("model_group") == PLAIN
    )
    assert buckets[-1] == (float("inf"), count)
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)  # cumulative


def test_tokens_and_spend_are_what_the_answers_said(traffic):
    assert (
        sample(traffic.metrics, "litellm_input_tokens_metric_total", model=PLAIN)
        == (traffic.prompt_tokens[PLAIN])
    )
    assert (
        sample(traffic.metrics, "litellm_output_tokens_metric_total", model=PLAIN)
        == (traffic.completion_tokens[PLAIN])
    )
    assert sample(traffic.metrics, "litellm_total_tokens_metric_total", model=PLAIN) == (
        traffic.prompt_tokens[PLAIN] + traffic.completion_tokens[PLAIN]
    )
    spend = sample(traffic.metrics, "litellm_spend_metric_total", model=PLAIN)
    assert spend == pytest.approx(traffic.cost[PLAIN], rel=1e-6)
    assert spend > 0


def test_fallbacks_and_the_cooldown_are_counted(traffic):
    fallbacks = sample(
        traffic.metrics, "litellm_deployment_successful_fallbacks_total", requested_model=PRIMARY
    )
    assert fallbacks == traffic.fallbacks >= 6
    assert sample(traffic.metrics, "litellm_deployment_cooled_down_total") >= 1
    assert sample(
        traffic.metrics, "litellm_deployment_failure_responses_total", api_provider="laas"
    ) == (traffic.fallbacks + 3)  # PRIMARY's failures, PLAIN's 503, the failed fallback's two
    failed = "litellm_deployment_failed_fallbacks_total"
    assert sample(traffic.metrics, failed, requested_model=FALLBACK) == 1


def test_no_label_holds_a_key_project_code_or_preset_hash(traffic, emulator):
    secrets = {emulator.api_key, emulator.project_code, MASTER_KEY}
    secrets |= {preset_hash(p.name) for p in PRESETS}
    for name, labels, _ in samples(traffic.metrics):
        for label, value in labels.items():
            assert not any(s in value for s in secrets), (name, label, value)
    assert not any(s in traffic.metrics for s in secrets)


# --- the Grafana dashboard ------------------------------------------------------------------


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def queries(board: dict[str, Any]) -> list[str]:
    exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    exprs += [v["query"]["query"] for v in board["templating"]["list"] if v["type"] == "query"]
    return exprs


METRIC = re.compile(r"\b(litellm_[a-z0-9_]+)\b")
GROUPING = re.compile(r"\b(?:by|without)\s*\([^)]*\)")  # label names, not metrics


def metric_names(expr: str) -> set[str]:
    return set(METRIC.findall(GROUPING.sub("", expr)))


def test_dashboard_is_a_grafana_dashboard_on_the_provisioned_datasource():
    board = dashboard()
    assert board["uid"] and board["title"] and isinstance(board["schemaVersion"], int)
    datasource = yaml.safe_load(
        (MONITORING / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )["datasources"][0]
    assert datasource["type"] == "prometheus"
    ids = set()
    for panel in board["panels"]:
        assert panel["id"] not in ids, panel["id"]
        ids.add(panel["id"])
        assert panel["title"] and panel["type"] in {"timeseries", "stat", "row", "table"}
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["refId"] and target["expr"].strip(), panel["title"]
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]


def test_dashboard_has_the_panels_an_operator_needs():
    exprs = " ".join(queries(dashboard()))
    titles = " ".join(p["title"].lower() for p in dashboard()["panels"])
    for word in ("requests", "errors", "latency", "tokens", "spend", "fallbacks", "cooldowns"):
        assert word in titles, word
    for quantile in ("0.5", "0.95", "0.99"):
        assert f"histogram_quantile({quantile}," in exprs, quantile
    assert 'api_provider="laas"' in exprs


def test_every_metric_the_dashboard_queries_is_in_the_proxys_metrics(traffic):
    names = {name for name, _, _ in samples(traffic.metrics)}
    used = set().union(*(metric_names(expr) for expr in queries(dashboard())))
    assert len(used) >= 10, used
    assert not used - names, sorted(used - names)


def alert_rules() -> list[dict[str, Any]]:
    config = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule for group in config["groups"] for rule in group["rules"]]


def test_alert_rules_are_well_formed_and_query_only_metrics_the_proxy_has(traffic):
    names = {name for name, _, _ in samples(traffic.metrics)}
    rules = alert_rules()
    assert len({r["alert"] for r in rules}) == len(rules)
    for rule in rules:
        assert rule["alert"].startswith("LaaS") and rule["annotations"]["summary"], rule
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule
        expr = rule["expr"]
        assert expr.count("(") == expr.count(")"), rule["alert"]
        assert not metric_names(expr) - names, (rule["alert"], metric_names(expr) - names)
    # Each LaaS series an operator must hear about has a rule.
    used = set().union(*(metric_names(r["expr"]) for r in rules))
    for name in (
        "litellm_proxy_failed_requests_metric_total",
        "litellm_deployment_failure_responses_total",
        "litellm_deployment_cooled_down_total",
        "litellm_deployment_failed_fallbacks_total",
        "litellm_request_total_latency_metric_bucket",
        "litellm_provider_remaining_budget_metric",
    ):
        assert name in used, name


def test_prometheus_scrapes_the_proxy_with_a_key_from_a_file():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "litellm"]
    assert job["metrics_path"] == "/metrics/"
    assert job["static_configs"][0]["targets"] == ["litellm:4000"]
    assert job["authorization"]["credentials_file"].startswith("/run/secrets/")
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]


# --- JSON logs ------------------------------------------------------------------------------


def json_lines(proxy: Proxy) -> list[dict[str, Any]]:
    lines = []
    for line in proxy.log().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))  # a line that starts like JSON must be JSON
    return lines


def test_each_laas_call_is_one_json_line_with_its_answer_id_and_model(monitored, traffic):
    # The plugin's call lines (its other lines, e.g. the heap freezer's, carry no laas_model).
    records = [
        r
        for r in json_lines(monitored)
        if r.get("component") == "laas_provider" and "laas_model" in r
    ]
    for answer_id in traffic.answer_ids:  # the id the client got is LaaS's answer id
        (record,) = [r for r in records if r.get("laas_id") == answer_id]
        assert record["laas_model"] == PLAIN and record["laas_status"] == 200
        assert record["level"] == "INFO" and record["laas_ms"] >= 0
    failures = [r for r in records if r["laas_status"] == 503]
    assert {r["laas_model"] for r in failures} == {PLAIN, PRIMARY, FALLBACK}
    # The client's trace id is on the plugin's line: one id joins it to LiteLLM's lines.
    (traced,) = [r for r in records if r.get("trace_id") == TRACE]
    assert traced["laas_id"] == traffic.answer_ids[-1]


def test_litellm_lines_carry_the_same_trace_id_for_a_failed_call(monitored, traffic):
    records = json_lines(monitored)
    failed = [r for r in records if r.get("laas_status") == 503 and r.get("laas_model") == PLAIN]
    trace = failed[0]["trace_id"]
    errors = [
        r for r in records if r.get("trace_id") == trace and r["component"] != "laas_provider"
    ]
    assert any("503" in r["message"] for r in errors), errors


def test_no_secret_in_any_log_line(monitored, traffic, emulator):
    log = monitored.log()
    assert json_lines(monitored)  # the check below read real JSON log output
    for secret in (
        emulator.api_key,
        emulator.project_code,
        *(preset_hash(p.name) for p in PRESETS),
    ):
        assert secret not in log


# --- the README's run command ---------------------------------------------------------------


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a .env may hold real LaaS credentials")
def test_the_readme_run_command_serves_laas_metrics(log_dir):
    # bash scripts/serve.sh as a new user runs it: no credentials (so the emulator), no key.
    port, emulator_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAAS_", "LITELLM_"))}
    env.update(PORT=str(port), LAAS_EMULATOR_PORT=str(emulator_port))
    with (log_dir / "serve-sh.log").open("wb") as log:
        serve = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=log,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and serve.poll() is None:
            try:
                if httpx.get(f"{url}/health/liveliness", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        headers = {"Authorization": "Bearer sk-laas-local"}
        body = {"model": PLAIN, "messages": [{"role": "user", "content": "Hi"}]}
        answer = httpx.post(f"{url}/v1/chat/completions", headers=headers, json=body, timeout=60)
        assert answer.status_code == 200, answer.text
        assert httpx.get(f"{url}/metrics/", timeout=30).status_code == 401
        for _ in range(50):
            text = httpx.get(f"{url}/metrics/", headers=headers, timeout=30).text
            if sample(text, "litellm_proxy_total_requests_metric_total", api_provider="laas"):
                break
            time.sleep(0.2)
        by = {"api_provider": "laas", "requested_model": PLAIN, "status_code": "200"}
        assert sample(text, "litellm_proxy_total_requests_metric_total", **by) == 1
    finally:
        serve.terminate()  # serve.py stops the proxy and the emulator it started
        serve.wait(timeout=30)
