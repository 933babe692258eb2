#!/usr/bin/env bash
# The installed package as a consumer meets it (ctest: packaging.*).
# Installs the build tree BUILD_DIR into a temporary prefix, then builds
# tests/packaging/consumer against it twice, through find_package(spirapi)
# and through pkg-config, and runs both: each opens a database, writes a
# record and reads it back. A shared library (BUILD_SHARED_LIBS=ON) is also
# linked with -lspirapi alone, its exported symbols are checked to be the
# public API only, and its CMake package must name no dependency.
# With --shared, BUILD_DIR is first configured and built as a shared build
# of this source tree: a long test (minutes; 11 on a busy 2-core machine),
# run with SPIRAPI_LONG_TESTS=1 and skipped (exit 77) otherwise.
# Usage: consumer_test.sh [--shared] SOURCE_DIR BUILD_DIR
set -euo pipefail
configure_shared=0
if [ "${1:-}" = "--shared" ]; then
  configure_shared=1
  shift
  if [ "${SPIRAPI_LONG_TESTS:-}" != 1 ]; then
    echo "consumer_test: the shared library is checked with SPIRAPI_LONG_TESTS=1"
    exit 77
  fi
fi
source_dir=$(cd "$1" && pwd)
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "consumer_test: $*" >&2; exit 1; }

if [ $configure_shared -eq 1 ]; then
  cmake -S "$source_dir" -B "$build" -DBUILD_SHARED_LIBS=ON -DSPIRAPI_BUILD_TESTS=OFF \
    -DSPIRAPI_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" -j"${JOBS:-2}" >/dev/null
fi
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name spirapi.pc -path '*/pkgconfig/*')")/..
libdir=$(cd "$libdir" && pwd)
shared=0
if [ -e "$libdir/libspirapi.so" ]; then shared=1; fi
consumer=$source_dir/tests/packaging/consumer

# find_package(spirapi).
cmake -S "$consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null ||
  fail "find_package(spirapi) failed against the installed tree"
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer" "$work/db-cmake"

# pkg-config: a static library needs --static for its dependencies.
export PKG_CONFIG_PATH=$libdir/pkgconfig
static_flag=--static
if [ $shared -eq 1 ]; then static_flag=; fi
# shellcheck disable=SC2046  # the flags are words
c++ -std=c++17 "$consumer/main.cc" -o "$work/pc-consumer" $(pkg-config --cflags spirapi) \
  $(pkg-config $static_flag --libs spirapi) -Wl,-rpath,"$libdir"
"$work/pc-consumer" "$work/db-pc"

if [ $shared -eq 1 ]; then
  # -lspirapi alone: the library carries its dependencies.
  c++ -std=c++17 "$consumer/main.cc" -o "$work/bare-consumer" -I"$prefix/include" \
    -L"$libdir" -lspirapi -Wl,-rpath,"$libdir"
  "$work/bare-consumer" "$work/db-bare"
  soname=$(objdump -p "$libdir/libspirapi.so" | awk '$1 == "SONAME" {print $2}')
  [ -n "$soname" ] || fail "libspirapi.so has no SONAME"
  [ -e "$libdir/$soname" ] || fail "the SONAME $soname is not installed"
  [ -z "$(pkg-config --print-requires-private spirapi)" ] ||
    fail "the shared spirapi.pc requires private modules"
  # The exported target asks its consumers to link no dependency (it may
  # name shared ones as IMPORTED_LINK_DEPENDENT_LIBRARIES, a linker search
  # hint that CMake drops when, as in the consumer above, they are unknown).
  if grep -h "INTERFACE_LINK_LIBRARIES" "$libdir"/cmake/spirapi/spirapiTargets*.cmake; then
    fail "the shared library's CMake targets name dependencies"
  fi
  # Every exported symbol is in namespace spirapi and every name in it is
  # one the public headers declare: no internal class or function leaks.
  nm -D --defined-only -C "$libdir/libspirapi.so" | cut -d' ' -f3- |
    sed -E 's/^(typeinfo name for|typeinfo for|vtable for) //' > "$work/exports"
  [ -s "$work/exports" ] || fail "libspirapi.so exports nothing"
  if grep -v '^spirapi::' "$work/exports"; then fail "symbols outside namespace spirapi exported"; fi
  sed -E 's/\(.*//; s/::/\n/g' "$work/exports" | sed -E 's/[<~ [].*//' | sort -u |
    while read -r name; do
      [ -z "$name" ] && continue
      grep -qw -- "$name" "$source_dir"/include/spirapi/*.h ||
        fail "libspirapi.so exports '$name', which no public header declares"
    done
fi
echo "consumer_test: $( [ $shared -eq 1 ] && echo shared || echo static ) library installed," \
  "built against through find_package and pkg-config, and run"
