"""docs/clients.md's recipes, run as written against the shipped config.yaml on the
emulator (only the address and key are swapped for the test proxy's): the OpenAI SDK,
the Anthropic SDK, the OpenAI Agents SDK, LangChain and curl. The coding agents' recipes
(Claude Code, Codex CLI, aider, pi, Qwen Code, Gemini CLI) are run by test_coding_agents.py; the requests Claude Code
makes are also replayed here, without the CLI."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import anthropic
import httpx
import pytest

from .harness import Proxy

DOC = (Path(__file__).resolve().parents[2] / "docs" / "clients.md").read_text()
PYTHON = re.findall(r"```python\n(.*?)```", DOC, re.S)
CURL = [b for b in re.findall(r"```bash\n(.*?)```", DOC, re.S) if b.startswith("curl ")]
# The library each recipe needs (all in the dev lock; a missing one fails the test).
LIBRARIES = {"openai": "openai", "anthropic": "anthropic", "agents": "agents",
             "langchain_openai": "langchain_openai"}  # fmt: skip


def localise(code: str, proxy: Proxy) -> str:
    return code.replace("http://127.0.0.1:4000", proxy.url).replace(
        "sk-laas-local", proxy.master_key
    )


def test_the_doc_has_a_recipe_per_client():
    imports = "\n".join(PYTHON)
    for library in LIBRARIES:
        assert re.search(rf"^(from|import) {library}\b", imports, re.M), library
    assert len(CURL) == 3  # chat, messages, responses
    for name in ("Claude Code", "Open WebUI", "LibreChat"):
        assert f"## {name}" in DOC, name


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_python_recipe_runs(shipped_proxy, emulator, tmp_path, index):
    code = PYTHON[index]
    for library, module in LIBRARIES.items():
        if re.search(rf"^(from|import) {library}\b", code, re.M):
            assert importlib.util.find_spec(module), f"{module} is not installed"
    done = subprocess.run([sys.executable, "-c", localise(code, shipped_proxy)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "[laas-emulator] preset=claude-4-sonnet" in done.stdout
    assert emulator.received(), "no call reached LaaS"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("index", range(len(CURL)))
def test_curl_recipe_runs(shipped_proxy, emulator, index):
    done = subprocess.run(["bash", "-c", localise(CURL[index], shipped_proxy)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert "[laas-emulator] preset=claude-4-sonnet" in json.dumps(answer), answer
    assert len(emulator.received()) == 1


def test_claude_code_requests_are_served(shipped_proxy, emulator):
    # What Claude Code sends with ANTHROPIC_BASE_URL + ANTHROPIC_AUTH_TOKEN: a Bearer
    # token, `?beta=true`, anthropic-beta headers, cache_control and metadata, streamed.
    response = httpx.post(
        f"{shipped_proxy.url}/v1/messages?beta=true",
        headers={
            "Authorization": f"Bearer {shipped_proxy.master_key}",
            "anthropic-version": "2023-06-01",
            "anthropic-beta": "claude-code-20250219,fine-grained-tool-streaming-2025-05-14",
        },
        json={
            "model": "claude-4-sonnet",
            "max_tokens": 512,
            "stream": True,
            "metadata": {"user_id": "user-1"},
            "system": [
                {
                    "type": "text",
                    "text": "You are Claude Code.",
                    "cache_control": {"type": "ephemeral"},
                }
            ],
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "text",
                            "text": "List the files.",
                            "cache_control": {"type": "ephemeral"},
                        }
                    ],
                }
            ],
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text
    events = [
        line.removeprefix("event: ")
        for line in response.text.splitlines()
        if line.startswith("event: ")
    ]
    assert events[0] == "message_start" and events[-1] == "message_stop"
    assert "last user: List the files." in response.text
    (sent,) = emulator.received()
    assert "cache_control" not in json.dumps(sent) and "user-1" not in json.dumps(sent)


@pytest.mark.parametrize("stream", [False, True])
def test_current_claude_code_request_shape_is_served(shipped_proxy, emulator, stream):
    # Claude Code 2.1: a system turn after the user's (beta mid-conversation-system),
    # adaptive thinking, context_management, output_config; its small-model calls are not
    # streamed. None of it may be refused; the system turn reaches LaaS as a user turn.
    response = httpx.post(
        f"{shipped_proxy.url}/v1/messages?beta=true",
        headers={
            "Authorization": f"Bearer {shipped_proxy.master_key}",
            "anthropic-version": "2023-06-01",
            "anthropic-beta": "claude-code-20250219,mid-conversation-system-2026-04-07",
        },
        json={
            "model": "claude-3.5-sonnet",
            "max_tokens": 32000,
            "stream": stream,
            "thinking": {"type": "adaptive"},
            "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            "output_config": {"effort": "high"},
            "metadata": {"user_id": '{"session_id": "s-1"}'},
            "system": [{"type": "text", "text": "You are Claude Code."}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "List the files."}]},
                {"role": "system", "content": "Available agent types: general-purpose."},
            ],
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text
    (sent,) = emulator.received()
    assert [m["role"] for m in sent["messages"]][-2:] == ["user", "user"]
    last = "".join(p["text"] for p in sent["messages"][-1]["content"])
    assert "Available agent types: general-purpose." in last and "system" in last
    assert not {"thinking", "context_management", "output_config"} & set(sent)


def test_claude_code_auth_token_works_like_an_api_key(shipped_proxy, emulator):
    claude = anthropic.Anthropic(
        base_url=shipped_proxy.url, auth_token=shipped_proxy.master_key, api_key=None, max_retries=0
    )
    message = claude.messages.create(
        model="claude-3.5-sonnet", max_tokens=64, messages=[{"role": "user", "content": "Hi"}]
    )
    assert message.content[0].text.startswith("[laas-emulator] preset=claude-3.5-sonnet")


def test_extended_thinking_is_dropped_for_laas_models(shipped_proxy, emulator):
    # Claude Code sends `thinking` on every request; LaaS has no such feature, and LiteLLM
    # would refuse it for a custom provider: the guard drops it (and logs that it did).
    claude = anthropic.Anthropic(
        base_url=shipped_proxy.url, api_key=shipped_proxy.master_key, max_retries=0
    )
    for thinking in ({"type": "enabled", "budget_tokens": 1024}, {"type": "adaptive"}):
        message = claude.messages.create(
            model="claude-3.5-sonnet",
            max_tokens=2048,
            thinking=thinking,
            messages=[{"role": "user", "content": "Hi"}],
        )
        assert message.content[0].text.startswith("[laas-emulator] preset=claude-3.5-sonnet")
    sent = emulator.received()
    assert len(sent) == 2 and not any({"thinking", "budget_tokens"} & set(b) for b in sent)
