#!/usr/bin/env bash
# Installs Open WebUI, the docs/clients.md way, for tests/e2e/test_open_webui.py: its own venv
# (it pins many packages of its own), CPU torch first (a plain `pip install open-webui` would
# pull a CUDA torch of several GB), then open-webui. Cached outside the repository:
#   $LAAS_OPENWEBUI_CACHE (default ~/.cache/laas-provider/open-webui)/bin/open-webui
# Versions are pinned (the ones docs/clients.md was measured with); the install is redone only
# when a pin changes. Prints the cache directory. Needs Python 3.11 (torch 2.13.0's CPU wheel).
set -euo pipefail
OPEN_WEBUI_VERSION="${OPEN_WEBUI_VERSION:-0.12.4}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
python="$(command -v python3.11 || command -v python3)"
cache="${LAAS_OPENWEBUI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/laas-provider/open-webui}"
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock" && flock 9 # one installer at a time (parallel test sessions)

pins="torch==$TORCH_VERSION open-webui==$OPEN_WEBUI_VERSION $("$python" -V)"
if [[ "$(cat "$cache/.pins" 2>/dev/null)" != "$pins" ]]; then
  echo "open-webui: pip install $pins (own venv; first time about 4 minutes)" >&2
  rm -rf "$cache"
  "$python" -m venv "$cache"
  pip=("$cache/bin/pip" install --quiet --disable-pip-version-check)
  started=$SECONDS
  "${pip[@]}" "torch==$TORCH_VERSION" >&2
  echo "open-webui: torch in $((SECONDS - started)) s" >&2
  started=$SECONDS
  "${pip[@]}" "open-webui==$OPEN_WEBUI_VERSION" "torch==$TORCH_VERSION" >&2
  echo "open-webui: open-webui in $((SECONDS - started)) s" >&2
  "$cache/bin/python" -c 'import torch; assert torch.version.cuda is None, torch.version.cuda'
  echo "$pins" >"$cache/.pins"
fi
echo "$cache"
