#!/usr/bin/env bash
# The main job on the embedded default: builds if needed, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
exec build/bin/l2vpn sim "$@"
