#!/usr/bin/env bash
# Regenerate the hash-locked requirement files from pyproject.toml (needs `uv`: pip install uv).
# The runtime lock holds the package with its `proxy` and `emulator` extras (what the Docker image
# and scripts/serve.sh run); the dev lock adds `dev`. requirements/pins.txt pins what pyproject
# leaves as a range (litellm). uv keeps every version already in a lock unless told otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
common=(--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-header
    -c requirements/pins.txt)
uv pip compile pyproject.toml requirements/build.in --extra proxy --extra emulator "${common[@]}" \
    -o requirements.lock
uv pip compile pyproject.toml requirements/build.in --extra proxy --extra emulator --extra dev \
    "${common[@]}" -o requirements-dev.lock
# The Prisma client for the image built with WITH_DATABASE=true, pinned against the runtime lock.
uv pip compile requirements/db.in -c requirements.lock "${common[@]}" -o requirements-db.lock
