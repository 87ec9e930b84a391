#!/usr/bin/env bash
# Set up .venv from the hash-locked requirements (idempotent; re-installs when a lock changes).
# Needs only Python 3.11+ and the package registry.
set -euo pipefail
cd "$(dirname "$0")/.."

lock="${LAAS_LOCK:-requirements-dev.lock}"
venv="${LAAS_VENV:-.venv}"

pick_python() {
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))'; then
            echo "$candidate"
            return
        fi
    done
    echo "bootstrap: Python 3.11, 3.12 or 3.13 is required" >&2
    exit 1
}

if [ ! -x "$venv/bin/python" ]; then
    "$(pick_python)" -m venv "$venv"
fi

stamp="$venv/.installed"
want="$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "bootstrap: installing $lock into $venv (first run: a few minutes)" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --require-hashes --no-deps -r "$lock"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-deps --no-build-isolation --editable .
    echo "$want" >"$stamp"
fi
