#!/usr/bin/env bash
# Installs the Debian 12 packages SpiraPi needs to build and test, if any are
# missing. Needs root (or sudo) only when something must be installed.
set -euo pipefail
packages=(build-essential cmake ccache pkg-config liblzma-dev libzstd-dev libssl-dev libdeflate-dev
          rapidjson-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
          libsqlite3-dev libabsl-dev libsimdjson-dev libgmp-dev libdivsufsort-dev
          libre2-dev
          libpng-dev  # plots as PNG files (src/plot/)
          libcpp-httplib-dev  # the web dashboard (spirapi serve)
          chromium  # the dashboard's browser tests and make dashboard-screenshots
          libedit-dev  # line editing in `spirapi shell` (BSD licence, not GNU readline)
          # the Python package (python/) and its tests, stubs check and benchmark peers
          python3-dev pybind11-dev python3-pytest python3-numpy python3-venv python3-pip
          python3-setuptools mypy python3-lmdb python3-plyvel
          libboost-dev libmpfr-dev libflint-dev libflint-arb-dev  # these four: bench/ only
          liblmdb-dev librocksdb-dev libleveldb-dev  # these three: bench/ only (spirapi_bench)
          clang-14 libclang-rt-14-dev)  # these two: the libFuzzer targets only (make fuzz)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
