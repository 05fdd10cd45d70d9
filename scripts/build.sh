#!/usr/bin/env bash
# Configures and builds into build/ (the l2vpn binary lands in build/bin/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DL2VPN_WERROR=ON >/dev/null
fi
cmake --build build -j"$(nproc)"
