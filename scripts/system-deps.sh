#!/usr/bin/env bash
# System packages some tests need, from Debian's archive (run as root; idempotent).
#   redis-server: tests/e2e/test_scale_out.py starts one on a free loopback port to show two
#                 proxy instances sharing one provider budget. Without it that test skips.
# Nothing is installed when everything is already there, so it is cheap to run every time.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: ${missing[*]} missing and cannot be installed here (need root and apt-get);" \
        "the tests that need them will skip" >&2
    exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
