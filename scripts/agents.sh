#!/usr/bin/env bash
# Installs the coding-agent CLIs that tests/e2e/test_coding_agents.py runs against the proxy,
# from their registries, into a cache outside the repository (reused between runs):
#   $LAAS_AGENTS_CACHE (default ~/.cache/laas-provider/agents)
#     npm/node_modules/.bin/{claude,codex}   @anthropic-ai/claude-code, @openai/codex (npm)
#     aider/bin/aider                        aider-chat (PyPI), in its own venv: it pins its
#                                            own litellm, which must not touch the project's
# Versions are pinned (the ones docs/clients.md was measured with); an install is redone
# only when its pin changes. Prints the cache directory. Needs node/npm >= 18 and python3.
set -euo pipefail
CLAUDE_CODE_VERSION="${CLAUDE_CODE_VERSION:-2.1.197}"
CODEX_VERSION="${CODEX_VERSION:-0.171.0}"
AIDER_VERSION="${AIDER_VERSION:-0.86.2}"
for tool in npm node python3 git; do
  command -v "$tool" >/dev/null || { echo "agents: $tool is needed (Node.js >= 18, Python 3, git)" >&2; exit 1; }
done
cache="${LAAS_AGENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/laas-provider/agents}"
mkdir -p "$cache"
exec 9>"$cache/.lock" && flock 9 # one installer at a time (parallel test sessions)

npm_pins="@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION @openai/codex@$CODEX_VERSION"
if [[ "$(cat "$cache/npm/.pins" 2>/dev/null)" != "$npm_pins" ]]; then
  echo "agents: npm install $npm_pins" >&2
  rm -rf "$cache/npm" && mkdir -p "$cache/npm"
  # shellcheck disable=SC2086
  (cd "$cache/npm" && npm install --prefix . --no-audit --no-fund --no-save --loglevel=error \
    $npm_pins >&2)
  "$cache/npm/node_modules/.bin/claude" --version >&2
  "$cache/npm/node_modules/.bin/codex" --version >&2
  echo "$npm_pins" >"$cache/npm/.pins"
fi

aider_pin="aider-chat==$AIDER_VERSION"
if [[ "$(cat "$cache/aider/.pins" 2>/dev/null)" != "$aider_pin" ]]; then
  echo "agents: pip install $aider_pin (own venv)" >&2
  rm -rf "$cache/aider"
  python3 -m venv "$cache/aider"
  "$cache/aider/bin/pip" install --quiet --disable-pip-version-check "$aider_pin" >&2
  "$cache/aider/bin/aider" --version >&2
  echo "$aider_pin" >"$cache/aider/.pins"
fi
echo "$cache"
