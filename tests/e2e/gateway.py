"""Helpers for the gateway tests: the shipped config.yaml, calls that keep the proxy's
headers, the cost formula, and spend read back from the proxy itself."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from laas_provider.emulator.presets import CONFIG_MODELS, preset_env, preset_hash

from .harness import Emulator, Process, Proxy

ROOT = Path(__file__).resolve().parents[2]
CONFIG_PATH = ROOT / "config.yaml"


def shipped_config() -> dict[str, Any]:
    """config.yaml as users get it (a fresh copy each time, for tests to adjust)."""
    return copy.deepcopy(yaml.safe_load(CONFIG_PATH.read_text()))


def shipped_env(emulator: Emulator) -> dict[str, str]:
    """What config.yaml's os.environ/... references read, pointed at the emulator: one
    emulator preset per model, as scripts/serve.py does."""
    env = emulator.laas_env("echo")
    env.update({preset_env(model): preset_hash(model) for model in CONFIG_MODELS})
    return env


def model_prices(config: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """model_name -> (input, output) USD per token, from the config's model_info."""
    return {
        m["model_name"]: (
            float(m["model_info"]["input_cost_per_token"]),
            float(m["model_info"]["output_cost_per_token"]),
        )
        for m in config["model_list"]
        if "input_cost_per_token" in m.get("model_info", {})
    }


def cost_of(usage: dict[str, Any], prices: tuple[float, float]) -> float:
    return usage["prompt_tokens"] * prices[0] + usage["completion_tokens"] * prices[1]


def start_all(*processes: Process) -> None:
    """Start processes side by side (a proxy takes ~5-10 s); stop them all if one fails."""
    with ThreadPoolExecutor(len(processes)) as pool:
        futures = [pool.submit(p.start) for p in processes]
        errors = [f.exception() for f in futures]
    if any(errors):
        for p in processes:
            p.stop()
        raise next(e for e in errors if e)


def chat(
    proxy: Proxy, model: str, content: str = "Hello from the gateway tests.",
    key: str | None = None, **body: Any,
) -> httpx.Response:  # fmt: skip
    return httpx.post(
        f"{proxy.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key or proxy.master_key}"},
        json={"model": model, "messages": [{"role": "user", "content": content}], **body},
        timeout=60,
    )


@dataclass
class Streamed:
    status: int
    headers: httpx.Headers
    chunks: list[dict[str, Any]] = field(default_factory=list)
    body: str = ""

    @property
    def text(self) -> str:
        return "".join(
            (c["choices"][0].get("delta") or {}).get("content") or ""
            for c in self.chunks
            if c.get("choices")
        )

    @property
    def usage(self) -> dict[str, Any] | None:
        return next((c["usage"] for c in reversed(self.chunks) if c.get("usage")), None)


def stream_chat(
    proxy: Proxy, model: str, content: str = "Hello from the gateway tests.", **body: Any
) -> Streamed:
    request = {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "stream": True,
        "stream_options": {"include_usage": True},
        **body,
    }
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    url = f"{proxy.url}/v1/chat/completions"
    with httpx.stream("POST", url, headers=headers, json=request, timeout=60) as response:
        result = Streamed(response.status_code, response.headers)
        if response.status_code != 200:
            result.body = response.read().decode()
            return result
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                result.chunks.append(json.loads(line[len("data: ") :]))
    return result


def provider_budgets(proxy: Proxy) -> dict[str, Any]:
    response = httpx.get(
        f"{proxy.url}/provider/budgets",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["providers"]


def provider_spend(proxy: Proxy, provider: str = "laas") -> float:
    return float(provider_budgets(proxy)[provider]["spend"] or 0.0)


def wait_for(predicate: Callable[[], bool], seconds: float = 10.0, every: float = 0.1) -> float:
    """Poll until ``predicate()``; return how long it took. Raise AssertionError on time-out."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"condition not met within {seconds} s")
        time.sleep(every)
    return time.monotonic() - started


@dataclass
class Call:
    status: int
    cost: float  # x-litellm-response-cost (0 for a refusal)
    usage: dict[str, Any] | None
    message: str  # the error message, for refusals
    deployment: str = ""  # x-litellm-model-id: the deployment that answered (model_info.id)


def call(proxy: Proxy, model: str, **kwargs: Any) -> Call:
    response = chat(proxy, model, **kwargs)
    body = response.json()
    if response.status_code == 200:
        cost = float(response.headers["x-litellm-response-cost"])
        return Call(200, cost, body["usage"], "", response.headers.get("x-litellm-model-id", ""))
    return Call(response.status_code, 0.0, None, body.get("error", {}).get("message", ""))


def spend_until_refused(
    next_call: Callable[[int], Call], limit: int = 40, pause: float = 0.5
) -> list[Call]:
    """Call until the first non-200 (or ``limit`` calls). The pause lets the proxy record
    each call's spend (it does so after answering) before the next call is checked."""
    calls: list[Call] = []
    for i in range(limit):
        calls.append(next_call(i))
        if calls[-1].status != 200:
            break
        time.sleep(pause)
    return calls


def assert_refused_exactly_once_spent(calls: list[Call], budget: float) -> None:
    """Every call was allowed while the recorded spend was under the budget, and the first
    call after the spend reached it was refused with 429."""
    allowed, refused = calls[:-1], calls[-1]
    assert refused.status == 429, f"never refused: {[c.status for c in calls]}"
    assert "budget" in refused.message.lower(), refused.message
    assert all(c.status == 200 for c in allowed)
    spent = sum(c.cost for c in allowed)
    before_last = spent - allowed[-1].cost
    assert before_last < budget <= spent, (before_last, budget, spent)
