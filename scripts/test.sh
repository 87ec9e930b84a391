#!/usr/bin/env bash
# The whole test suite from a fresh clone: set up .venv, lint, then unit and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/system-deps.sh  # redis-server for the scale-out test (no-op when present)
export LITELLM_LOCAL_MODEL_COST_MAP=True
# tests/e2e/test_coding_agents.py runs Claude Code, Codex CLI, aider, pi, Qwen Code and Gemini
# CLI: it installs them with scripts/agents.sh (npm and PyPI, pinned; cached in
# ~/.cache/laas-provider/agents, a few minutes the first time). Needs Node.js >= 18 and git.
# tests/e2e/test_open_webui.py installs Open WebUI with scripts/openwebui.sh (PyPI, CPU torch
# first; cached in ~/.cache/laas-provider/open-webui, 2.9 GB, 3-6 minutes the first time).
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
