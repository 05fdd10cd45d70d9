#!/usr/bin/env bash
# Builds everything and runs every test. Tests needing root (namespaces, real
# servers) skip with a reason when not root. Extra args go to ctest (-L fast).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd build
ctest --output-on-failure -j1 "$@"
