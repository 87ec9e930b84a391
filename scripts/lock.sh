#!/usr/bin/env bash
# Regenerate the hash-locked requirement files from pyproject.toml (needs `uv`: pip install uv).
set -euo pipefail
cd "$(dirname "$0")/.."
common=(--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-header)
uv pip compile pyproject.toml requirements/build.in "${common[@]}" -o requirements.lock
uv pip compile pyproject.toml requirements/build.in --extra dev "${common[@]}" -o requirements-dev.lock
# The Prisma client for the image built with WITH_DATABASE=true, pinned against the runtime lock.
uv pip compile requirements/db.in -c requirements.lock "${common[@]}" -o requirements-db.lock
