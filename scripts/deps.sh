#!/usr/bin/env bash
# Installs the Debian 12 packages StreamingAnalysis builds, runs and tests
# with, skipping what is already there. Needs root (or sudo) only when
# something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libdpdk-dev dpdk libzmq3-dev libprotobuf-c-dev protobuf-c-compiler
  librocksdb-dev libndpi-dev libpcap-dev libgsl-dev libjson-c-dev libxgboost-dev liblinear-dev
  tshark tcpreplay iproute2 python3 python3-numpy python3-statsmodels python3-zmq python3-sklearn
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the default (no) is fine.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
