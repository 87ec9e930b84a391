#!/usr/bin/env bash
# Installs Open WebUI the docs/clients.md way, for tests/e2e/test_open_webui.py: a venv of its
# own (it pins many packages), CPU torch first (left to itself, pip takes the CUDA build of
# several GB), then open-webui. Cached outside the repository:
#   $LAAS_OPENWEBUI_CACHE (default ~/.cache/laas-provider/open-webui)/bin/open-webui  (2.9 GB)
# Versions are pinned (the ones docs/clients.md was measured with); the install is redone only
# when a pin changes: 3-6 minutes on 2 cores, of which about 1 downloading 735 MB of wheels.
# torch comes from wherever pip looks; where that holds only a CUDA build (PyPI alone), set
# TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu. Prints the cache directory.
set -euo pipefail
OPEN_WEBUI_VERSION="${OPEN_WEBUI_VERSION:-0.12.4}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
python="$(command -v python3.11 || command -v python3)"
cache="${LAAS_OPENWEBUI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/laas-provider/open-webui}"
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock" && flock 9 # one installer at a time (parallel test sessions)

pins="torch==$TORCH_VERSION open-webui==$OPEN_WEBUI_VERSION $("$python" -V)"
if [[ "$(cat "$cache/.pins" 2>/dev/null)" != "$pins" ]]; then
  echo "open-webui: pip install $pins (own venv; 3-6 minutes the first time)" >&2
  rm -rf "$cache"
  "$python" -m venv "$cache"
  pip=("$cache/bin/pip" install --quiet --disable-pip-version-check)
  started=$SECONDS
  "${pip[@]}" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "torch==$TORCH_VERSION" >&2
  if ! "$cache/bin/python" -c 'import sys, torch; sys.exit(torch.version.cuda is not None)'; then
    echo "open-webui: pip installed a CUDA build of torch; set TORCH_INDEX_URL (see above)" >&2
    exit 1
  fi
  echo "open-webui: torch in $((SECONDS - started)) s" >&2
  started=$SECONDS
  "${pip[@]}" "open-webui==$OPEN_WEBUI_VERSION" "torch==$TORCH_VERSION" >&2
  echo "open-webui: open-webui in $((SECONDS - started)) s" >&2
  echo "$pins" >"$cache/.pins"
fi
echo "$cache"
