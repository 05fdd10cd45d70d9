#!/usr/bin/env bash
# Installs the Debian 12 packages the project builds and tests with, only if
# something is missing. Safe to run again.
set -euo pipefail
packages=(
  build-essential cmake pkg-config ninja-build
  libdpdk-dev dpdk dpdk-dev
  libboost-graph-dev libyaml-cpp-dev libpugixml-dev nlohmann-json3-dev libcli11-dev
  libfmt-dev libspdlog-dev libgtest-dev libbenchmark-dev libpcap-dev
  tshark python3-scapy graphviz iproute2 procps ethtool curl netcat-openbsd
  # End-to-end tests across the emulated backbone: real servers and clients.
  redis-server redis-tools memcached libmemcached-tools iperf3
  iputils-ping  # ping between the lab's data centers (tests/e2e/test_l2_stretch.sh)
  # Telemetry: the Prometheus metrics endpoint.
  libcpp-httplib-dev
  # l2vpn node: rtnetlink (kernel FIB, neighbors, links); FRR's ospfd beside a
  # node and ldpd as an LDP interop peer in the end-to-end tests.
  libmnl-dev frr
  # Hardening: libFuzzer and the sanitizers (clang's runtime).
  clang llvm libclang-rt-14-dev libfuzzer-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
