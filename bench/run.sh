#!/usr/bin/env bash
# All benchmarks from a fresh clone: set up .venv, then run bench/run.py (args passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export LITELLM_LOCAL_MODEL_COST_MAP=True
exec .venv/bin/python bench/run.py "$@"
