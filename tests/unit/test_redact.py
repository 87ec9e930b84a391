"""Masking our deployment secrets in LiteLLM's own log records."""

from __future__ import annotations

import hashlib
import logging
import statistics
import time

import httpx
import pytest
from litellm.types.utils import ModelResponse

from laas_provider.handler import LaaSProvider
from laas_provider.logs import redact


def test_named_parameters_are_masked_in_reprs_and_kwargs():
    text = "params: {'project_code': 'PRJ_X', \"preset_hash\": \"abc\"} call(project_code='PRJ_X', api_key='k1')"
    cleaned = redact.redact(text)
    assert "PRJ_X" not in cleaned and "abc" not in cleaned and "k1" not in cleaned
    assert "project_code': 'REDACTED'" in cleaned


def test_remembered_values_are_masked_anywhere():
    redact.remember("SEEN_PROJECT_123", "ab")
    assert (
        redact.redact("calling SEEN_PROJECT_123 now ab") == "calling *** now ab"
    )  # too short: kept


def test_filter_rewrites_the_record_once_formatted():
    redact.remember("FILTER_SECRET_999")
    record = logging.LogRecord(
        "LiteLLM", logging.DEBUG, __file__, 1, "deployment %s", ("FILTER_SECRET_999",), None
    )
    assert redact.LaaSRedactionFilter().filter(record)
    assert record.getMessage() == "deployment ***"


def test_install_attaches_to_litellm_loggers_once():
    redact.install()
    redact.install()
    logger = logging.getLogger("LiteLLM Router")
    assert logger.filters.count(redact._filter) == 1


# --- bounded memory, flat cost ---------------------------------------------------------------

ANSWER = {
    "id": "a1", "created": 1_763_000_000, "model": "m",
    "choices": [{"message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}  # fmt: skip
DEPLOYMENT_KEY = "deployment-api-key-0042"
LINE = (
    "litellm.acompletion(model='laas/open', messages=[{'role': 'user', 'content': 'hi'}], "
    "optional_params={'temperature': 0.2, 'stream': False}, request_id=chatcmpl-7a1c, "
    "CLIENT called with header project CLIENT and body hash HASH at 12:00:01"
)


@pytest.fixture
def fresh_memory(monkeypatch):
    for name in ("_configured", "_client", "_client_substrings"):
        monkeypatch.setattr(redact, name, type(getattr(redact, name))())
    monkeypatch.setattr(redact, "_configured_sorted", ())


@pytest.fixture
def mocked_laas(monkeypatch):
    from laas_provider import client

    async def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=ANSWER)

    mock = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    monkeypatch.setattr(client, "async_client", lambda: mock)


async def open_call(provider: LaaSProvider, project: str, preset: str) -> None:
    """One request through the handler as the proxy makes it, on an allow_client_preset
    deployment, with the client's own project code and preset hash."""
    body = {"model": "open", "messages": [{"role": "user", "content": "hi"}],
            "project_code": project, "preset_hash": preset}  # fmt: skip
    await provider.acompletion(
        model="open", messages=body["messages"], api_base="https://laas.test",
        custom_prompt_dict={}, model_response=ModelResponse(), print_verbose=print,
        encoding=None, api_key=DEPLOYMENT_KEY, logging_obj=None,
        optional_params={"allow_client_preset": True, "project_code": project,
                         "preset_hash": preset},
        litellm_params={"proxy_server_request": {"body": body}},
    )  # fmt: skip


def redaction_seconds(line: str, repeat: int = 300) -> float:
    """Median time to clean one log record (median of 7 batches)."""
    record = logging.LogRecord("LiteLLM", logging.DEBUG, __file__, 1, line, None, None)
    batches = []
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(repeat):
            record.msg, record.args = line, None
            redact._filter.filter(record)
        batches.append((time.perf_counter() - started) / repeat)
    return statistics.median(batches)


async def test_ten_thousand_clients_leave_the_memory_bounded_and_the_cost_flat(
    fresh_memory, mocked_laas, caplog
):
    provider = LaaSProvider()
    logger = logging.getLogger("LiteLLM")
    redact.install()
    calls, ratio_at = 10_000, 100
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG, logger="LiteLLM"):
        for i in range(calls):
            project, preset = f"CLIENT_PROJECT_{i:05d}", hashlib.sha256(b"%d" % i).hexdigest()
            await open_call(provider, project, preset)
            # What LiteLLM's debug output may print during that call, in clear.
            logger.debug("deployment for %s / %s", project, preset)
            seen.append(project)
            if i + 1 == ratio_at:
                at_100 = redaction_seconds(LINE.replace("CLIENT", project).replace("HASH", preset))
        at_10000 = redaction_seconds(LINE.replace("CLIENT", project).replace("HASH", preset))

    counts = redact.remembered()
    assert counts["configured"] == 1  # the deployment's API key, once
    assert counts["client"] == redact.CLIENT_VALUES_MAX  # bounded: the most recent only
    printed = "\n".join(r.getMessage() for r in caplog.records)
    assert printed.count("deployment for *** / ***") == calls, "a value reached a log line"
    assert DEPLOYMENT_KEY not in printed
    # Flat: one record costs about the same after 100 and after 10,000 distinct clients
    # (generous bound for a noisy machine; the unbounded set made it ~100x).
    ratio = at_10000 / at_100
    print(f"redaction per record: {at_100 * 1e6:.1f} us at {ratio_at} clients, "
          f"{at_10000 * 1e6:.1f} us at {calls}: ratio {ratio:.2f}")  # fmt: skip
    assert ratio < 3, (at_100, at_10000)


def test_configured_secrets_are_kept_and_client_values_are_not_promoted(fresh_memory):
    redact.remember("CONFIGURED_PROJECT")
    redact.remember_client("CONFIGURED_PROJECT", "CLIENT_ONE", "with space value")
    assert redact.remembered() == {"configured": 1, "client": 1, "client_substrings": 1}
    for i in range(redact.CLIENT_VALUES_MAX):
        redact.remember_client(f"LATER_CLIENT_{i}")
    assert redact.redact("CONFIGURED_PROJECT CLIENT_ONE") == "*** CLIENT_ONE"  # evicted
    assert redact.redact("x with space value y") == "x *** y"
    assert redact.redact(f"LATER_CLIENT_{redact.CLIENT_VALUES_MAX - 1}.") == "***."


def test_laas_header_and_body_names_are_masked_without_memory(fresh_memory):
    text = "headers={'project': 'P1234', 'apiKey': 'K5678'} body={\"hash\": \"H9012\"}"
    cleaned = redact.redact(text)
    assert not any(v in cleaned for v in ("P1234", "K5678", "H9012")), cleaned


# --- every deployment's secrets, in every line -------------------------------------------------


class _Router:
    def __init__(self, model_list):
        self.model_list = model_list


@pytest.fixture
def proxy_with_deployments(monkeypatch, fresh_memory):
    """A proxy module whose router holds two LaaS deployments and one other provider's."""
    import sys
    import types

    import litellm

    import laas_provider

    monkeypatch.setattr(
        litellm,
        "custom_provider_map",
        [{"provider": "laas", "custom_handler": laas_provider.laas_provider}],
    )
    monkeypatch.setenv("SOME_PRESET_VAR", "b" * 64)
    models = [
        {"model_name": "a", "litellm_params": {"model": "laas/a", "api_key": "KEY_OF_A_1234",
                                               "project_code": "PROJECT_A", "preset_hash": "a" * 64}},
        {"model_name": "b", "litellm_params": {"model": "x", "custom_llm_provider": "laas",
                                               "preset_hash": "os.environ/SOME_PRESET_VAR"}},
        {"model_name": "o", "litellm_params": {"model": "openai/gpt", "api_key": "OPENAI_KEY_1"}},
    ]  # fmt: skip
    module = types.ModuleType("litellm.proxy.proxy_server")
    module.llm_router = _Router(models)
    monkeypatch.setitem(sys.modules, "litellm.proxy.proxy_server", module)
    monkeypatch.setattr(redact, "_synced", None)
    return module


def test_every_laas_deployment_is_masked_before_its_first_call(proxy_with_deployments):
    line = f"fallback to b failed: hash={'b' * 64}; a said {'a' * 64} for PROJECT_A/KEY_OF_A_1234"
    cleaned = redact.redact(line)
    assert "b" * 64 not in cleaned and "a" * 64 not in cleaned, cleaned
    assert "PROJECT_A" not in cleaned and "KEY_OF_A_1234" not in cleaned
    assert redact.redact("OPENAI_KEY_1") == "OPENAI_KEY_1"  # another provider's: LiteLLM's job


def test_a_deployment_added_later_is_masked_from_then_on(proxy_with_deployments):
    assert redact.redact("NEW_PROJECT_9") == "NEW_PROJECT_9"
    proxy_with_deployments.llm_router.model_list.append(
        {"model_name": "n", "litellm_params": {"model": "laas/n", "project_code": "NEW_PROJECT_9"}}
    )
    assert redact.redact("NEW_PROJECT_9") == "***"


def test_an_error_message_masks_every_deployments_secrets_not_only_its_own(
    proxy_with_deployments,
):
    from laas_provider import errors

    echoed = f"denied: apiKey=KEY_OF_A_1234 project=PROJECT_A hash={'b' * 64} own=MINE_1234"
    cleaned = errors.scrub(echoed, ["MINE_1234"])
    assert cleaned == "denied: apiKey=*** project=*** hash=*** own=***", cleaned


def test_the_environment_gives_every_preset_hash_variable():
    env = {"LAAS_API_KEY": "k" * 8, "LAAS_PROJECT_CODE": "P_CODE", "LAAS_PRESET_HASH": "h1" * 4,
           "LAAS_PRESET_HASH_CLAUDE_4_SONNET": "h2" * 4, "LAAS_TIMEOUT": "120", "HOME": "/root"}  # fmt: skip
    assert sorted(redact.environment_secrets(env)) == sorted(
        ["k" * 8, "P_CODE", "h1" * 4, "h2" * 4]
    )


def test_values_an_upstream_echoes_by_name_are_masked_without_memory(fresh_memory):
    text = (
        f"denied: apiKey=K-never-seen project_code=P_NEVER hash={'c' * 64} hash=short api_key=None"
    )
    cleaned = redact.redact(text)
    assert "K-never-seen" not in cleaned and "P_NEVER" not in cleaned and "c" * 64 not in cleaned
    assert "hash=short" in cleaned  # a word after "hash" is not taken for a preset


def test_a_records_traceback_and_stack_are_masked_too(fresh_memory):
    redact.remember("TRACEBACK_SECRET_77")
    try:
        raise RuntimeError("LaaS answered 503: TRACEBACK_SECRET_77")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "LiteLLM Router", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    record.stack_info = "Stack (most recent call last):\n  TRACEBACK_SECRET_77"
    redact._filter.filter(record)
    formatted = logging.Formatter().format(record)
    assert "RuntimeError: LaaS answered 503: ***" in formatted
    assert "TRACEBACK_SECRET_77" not in formatted


def test_install_reaches_the_root_and_uvicorn_handlers(monkeypatch):
    handler = logging.StreamHandler()
    monkeypatch.setattr(logging.getLogger("uvicorn.error"), "handlers", [handler])
    redact.install()
    assert redact._filter in handler.filters


def test_dotenv_secrets_are_handed_to_the_masker_when_settings_read_it(
    tmp_path, monkeypatch, fresh_memory
):
    from laas_provider import settings

    (tmp_path / ".env").write_text("LAAS_PROJECT_CODE=DOTENV_PROJECT_77\nOTHER=plain_value\n")
    monkeypatch.chdir(tmp_path)
    settings._dotenv.cache_clear()
    try:
        settings.read_dotenv()
    finally:
        settings._dotenv.cache_clear()
    assert redact.redact("DOTENV_PROJECT_77 plain_value") == "*** plain_value"


def test_a_handler_built_later_has_its_providers_deployments_masked(monkeypatch, fresh_memory):
    import sys
    import types

    import litellm

    other = LaaSProvider()  # built after the module-level instance: registered as it is built
    monkeypatch.setattr(
        litellm, "custom_provider_map", [{"provider": "own", "custom_handler": other}]
    )
    module = types.ModuleType("litellm.proxy.proxy_server")
    module.llm_router = _Router(
        [{"model_name": "x", "litellm_params": {"model": "own/x", "project_code": "OWN_PROJECT_5"}}]
    )
    monkeypatch.setitem(sys.modules, "litellm.proxy.proxy_server", module)
    assert redact.redact("OWN_PROJECT_5") == "***"
