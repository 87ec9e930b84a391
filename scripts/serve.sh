#!/usr/bin/env bash
# The main job: the LiteLLM proxy on 127.0.0.1:4000 serving config.yaml's LaaS models.
# Without LaaS credentials (env or .env) it starts the local LaaS emulator and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export LITELLM_LOCAL_MODEL_COST_MAP=True
exec .venv/bin/python scripts/serve.py "$@"
