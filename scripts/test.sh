#!/usr/bin/env bash
# The whole test suite from a fresh clone: set up .venv, lint, then unit and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/system-deps.sh  # redis-server for the scale-out test (no-op when present)
export LITELLM_LOCAL_MODEL_COST_MAP=True
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
