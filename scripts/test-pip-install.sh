#!/usr/bin/env bash
# Installs the Python package with pip as a user would (offline, with
# Debian's setuptools, into a fresh virtual environment), then runs the
# pytest suite against the installed copy from outside the source tree.
# Usage: scripts/test-pip-install.sh [BUILD_DIR]
#   BUILD_DIR: an existing CMake build directory with the Python package
#   configured (e.g. build/, as `make test` leaves it), reused to save the
#   compile; without it pip configures and compiles everything itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv --system-site-packages "$work/venv"
if [ $# -ge 1 ]; then export SPIRAPI_CMAKE_BUILD_DIR=$(cd "$1" && pwd); fi
"$work/venv/bin/pip" install --quiet --no-build-isolation --no-index "$root"
cd "$work"
"$work/venv/bin/python" -c 'import spirapi, sys; print("installed spirapi", spirapi.__version__, "at", spirapi.__file__); sys.exit(0 if "/venv/" in spirapi.__file__ else 1)'
SPIRAPI_CLI="$root/build/spirapi" "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests"
