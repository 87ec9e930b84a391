"""The fault matrix (docs/faults.md) through the real proxy: what the client gets for each
upstream misbehaviour, whether the proxy retried and fell back, and how long it took."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import openai
import pytest

from .conftest import laas_model
from .harness import Emulator, Proxy, provider_map

TIMEOUT = 2.0  # laas_timeout of the faulty deployments: the `hang` row must end near it
SLACK = 8.0  # proxy retry back-off and process overhead


@dataclass(frozen=True)
class Row:
    name: str
    fault: dict
    status: int
    error: str  # the error type the client sees ("" for success)
    says: str  # a substring of the message
    retried: bool
    falls_back: bool  # LiteLLM's generic `fallbacks` apply to every error, 4xx included


ROWS = [
    Row("400 json", {"status": 400, "body": {"message": "bad field x"}}, 400, "BadRequestError", "bad field x", False, True),
    Row("401 json", {"status": 401, "body": {"message": "invalid apiKey"}}, 401, "AuthenticationError", "invalid apiKey", False, True),
    Row("403 json", {"status": 403, "body": {"message": "forbidden preset"}}, 403, "PermissionDeniedError", "forbidden preset", False, True),
    Row("404 json", {"status": 404, "body": {"message": "preset not found"}}, 404, "NotFoundError", "preset not found", False, True),
    Row("413 json", {"status": 413, "body": {"message": "payload too large"}}, 413, "BadRequestError", "payload too large", False, True),
    Row("422 json", {"status": 422, "body": {"message": "cannot process"}}, 422, "UnprocessableEntityError", "cannot process", False, True),
    Row("429 no Retry-After", {"status": 429, "body": {"message": "slow down"}}, 429, "RateLimitError", "slow down", True, True),
    Row("429 Retry-After 1", {"status": 429, "headers": {"Retry-After": "1"}}, 429, "RateLimitError", "HTTP 429", True, True),
    Row("500 json", {"status": 500, "body": {"message": "internal oops"}}, 500, "InternalServerError", "internal oops", True, True),
    Row("500 html", {"status": 500, "body": "<html><body><h1>500 Internal</h1>\n<p>nginx</p></body></html>"}, 500, "InternalServerError", "500 Internal", True, True),
    Row("502 html", {"status": 502, "body": "<html><body>Bad Gateway</body></html>"}, 502, "BadGatewayError", "Bad Gateway", True, True),
    Row("503 json", {"status": 503, "body": {"message": "maintenance"}}, 503, "ServiceUnavailableError", "maintenance", True, True),
    Row("504 html", {"status": 504, "body": "<html>Gateway Time-out</html>"}, 504, "Timeout", "Gateway Time-out", True, True),
    Row("200 malformed json", {"kind": "malformed"}, 502, "BadGatewayError", "not JSON", True, True),
    Row("200 without choices", {"kind": "no_choices"}, 502, "BadGatewayError", "no `choices`", True, True),
    Row("body cut off", {"kind": "truncated"}, 503, "ServiceUnavailableError", "could not reach LaaS", True, True),
    Row("connection reset", {"kind": "reset"}, 503, "ServiceUnavailableError", "could not reach LaaS", True, True),
    Row("never answers", {"kind": "hang"}, 408, "Timeout", "did not answer within 2 s", True, True),
    Row("slow (1 s)", {"kind": "slow", "delay": 1.0}, 200, "", "", False, False),
    Row("huge answer (5 MB)", {"kind": "huge", "size": 5 * 1024 * 1024}, 200, "", "", False, False),
]  # fmt: skip


@pytest.fixture(scope="module")
def backup(log_dir):
    with Emulator(log_dir) as emu:
        yield emu


@pytest.fixture(scope="module")
def fault_proxy(emulator, backup, log_dir):
    config = {
        "model_list": [
            laas_model("laas-faulty", laas_timeout=TIMEOUT),
            laas_model("laas-faulty-fb", laas_timeout=TIMEOUT),
            laas_model("laas-backup", api_base=backup.url, project_code=backup.project_code, api_key=backup.api_key),
        ],
        "litellm_settings": provider_map(),
        "router_settings": {
            "num_retries": 1,
            "fallbacks": [{"laas-faulty-fb": ["laas-backup"]}],
            "disable_cooldowns": True,  # every row starts from a healthy router
        },
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }  # fmt: skip
    with Proxy(config, emulator.laas_env("echo"), log_dir, name="proxy-faults") as server:
        yield server


def post(proxy: Proxy, model: str) -> httpx.Response:
    return httpx.post(
        f"{proxy.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        json={"model": model, "messages": [{"role": "user", "content": "fault?"}]},
        timeout=60,
    )


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_fault_matrix_row(row: Row, fault_proxy, emulator, backup):
    # Without fallbacks: the client's status, error type and message; retries; duration.
    emulator.queue_fault(**row.fault, count=10)
    started = time.monotonic()
    response = post(fault_proxy, "laas-faulty")
    took = time.monotonic() - started
    attempts = len(emulator.received())
    emulator.reset()

    assert response.status_code == row.status, response.text
    assert "Traceback" not in response.text
    if row.error:
        error = response.json()["error"]
        assert row.error in error["message"], error
        assert row.says in error["message"], error
        assert "\n<" not in error["message"]
    else:
        assert response.json()["choices"][0]["message"]["content"] is not None
    assert (attempts > 1) is row.retried, f"{attempts} upstream attempts"
    bound = (TIMEOUT if row.fault.get("kind") == "hang" else 1.0) * attempts + SLACK
    assert took < bound, f"took {took:.1f} s"

    # With a fallback to a healthy LaaS: does the proxy fall back?
    backup.reset()
    emulator.queue_fault(**row.fault, count=10)
    response = post(fault_proxy, "laas-faulty-fb")
    emulator.reset()
    fell_back = response.headers.get("x-litellm-attempted-fallbacks") not in (None, "0")
    if row.falls_back:
        assert response.status_code == 200, response.text
        assert fell_back and len(backup.received()) == 1
    else:
        assert not fell_back
    backup.reset()


def test_no_connection_is_leaked_by_the_faults(fault_proxy, emulator):
    # After every row ran, the proxy must still answer normally with reused connections.
    client = openai.OpenAI(
        base_url=f"{fault_proxy.url}/v1", api_key=fault_proxy.master_key, max_retries=0
    )
    for _ in range(20):
        client.chat.completions.create(
            model="laas-faulty", messages=[{"role": "user", "content": "ok"}]
        )
    stats = httpx.get(f"{emulator.url}/_emulator/stats").json()
    assert stats["requests"] == 20
    assert stats["connections"] <= 2, stats
