#!/usr/bin/env bash
# Installs the coding-agent CLIs that tests/e2e/test_coding_agents.py runs against the proxy,
# from their registries, into a cache outside the repository (reused between runs):
#   $LAAS_AGENTS_CACHE (default ~/.cache/laas-provider/agents)
#     npm/node_modules/.bin/{claude,codex}   @anthropic-ai/claude-code, @openai/codex (npm)
#     pi/node_modules/.bin/pi                @mariozechner/pi-coding-agent (npm)
#     qwen/node_modules/.bin/{qwen,node}     @qwen-code/qwen-code (npm) and the Node 22 it
#                                            needs (npm's `node` package), first on its PATH
#     gemini/node_modules/.bin/gemini        @google/gemini-cli (npm)
#     aider/bin/aider                        aider-chat (PyPI), in its own venv: it pins its
#                                            own litellm, which must not touch the project's
# Versions are pinned (the ones docs/clients.md was measured with); an install is redone
# only when its pin changes. Prints the cache directory. Needs node/npm >= 18 and python3.
set -euo pipefail
CLAUDE_CODE_VERSION="${CLAUDE_CODE_VERSION:-2.1.197}"
CODEX_VERSION="${CODEX_VERSION:-0.171.0}"
PI_VERSION="${PI_VERSION:-0.73.1}"
QWEN_CODE_VERSION="${QWEN_CODE_VERSION:-0.24.4}"
QWEN_NODE_VERSION="${QWEN_NODE_VERSION:-22.23.3}" # Qwen Code needs Node >= 22
GEMINI_CLI_VERSION="${GEMINI_CLI_VERSION:-0.61.0}"
AIDER_VERSION="${AIDER_VERSION:-0.86.2}"
for tool in npm node python3 git; do
  command -v "$tool" >/dev/null || { echo "agents: $tool is needed (Node.js >= 18, Python 3, git)" >&2; exit 1; }
done
cache="${LAAS_AGENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/laas-provider/agents}"
mkdir -p "$cache"
exec 9>"$cache/.lock" && flock 9 # one installer at a time (parallel test sessions)

# npm_group DIR "PINS" COMMAND...: the npm packages PINS in $cache/DIR (each group apart, so
# a pin change reinstalls only its own group), then each COMMAND's --version as a check.
npm_group() {
  local dir="$cache/$1" pins="$2"
  shift 2
  [[ "$(cat "$dir/.pins" 2>/dev/null)" == "$pins" ]] && return 0
  echo "agents: npm install $pins" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  # shellcheck disable=SC2086
  (cd "$dir" && npm install --prefix . --no-audit --no-fund --no-save --loglevel=error \
    $pins >&2)
  local command home
  home="$(mktemp -d)" # the checks' own HOME: some CLIs write state there even for --version
  for command in "$@"; do
    HOME="$home" PATH="$dir/node_modules/.bin:$PATH" "$command" --version >&2
  done
  rm -rf "$home"
  echo "$pins" >"$dir/.pins"
}

npm_group npm "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION @openai/codex@$CODEX_VERSION" \
  claude codex
npm_group pi "@mariozechner/pi-coding-agent@$PI_VERSION" pi
npm_group qwen "node@$QWEN_NODE_VERSION @qwen-code/qwen-code@$QWEN_CODE_VERSION" qwen
npm_group gemini "@google/gemini-cli@$GEMINI_CLI_VERSION" gemini

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
