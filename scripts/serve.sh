#!/usr/bin/env bash
# The main job: the LiteLLM proxy on 127.0.0.1:4000 serving config.yaml's LaaS models.
# Without LaaS credentials (env or .env) it starts the local LaaS emulator and says so.
# Serving needs only the runtime lock (requirements.lock); a .venv that already holds the
# dev lock (scripts/test.sh, bootstrap.sh) is used as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${LAAS_VENV:-.venv}"
dev_stamp="$(cat requirements-dev.lock pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$dev_stamp" ]; then
    LAAS_LOCK="${LAAS_LOCK:-requirements.lock}" LAAS_VENV="$venv" bash scripts/bootstrap.sh
fi
export LITELLM_LOCAL_MODEL_COST_MAP=True
exec "$venv/bin/python" scripts/serve.py "$@"
