#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) in their own build directory with
# clang-14 and runs each for FUZZ_SECONDS on its corpus, then prints one line
# per target: executions, corpus size, result. The committed seeds in
# fuzz/corpus/<target>/ are read, never written: what a run adds goes to
# <build>/corpus/<target>/, and a finding to <build>/artifacts/. A target
# with a dictionary, fuzz/<target>.dict, gets it with -dict=.
# Usage: scripts/fuzz.sh [BUILD_DIR] [SECONDS] [TARGET...]
#        scripts/fuzz.sh --write-seeds [BUILD_DIR]   (rewrites fuzz/corpus/)
set -euo pipefail
cd "$(dirname "$0")/.."
write_seeds=0
if [ "${1:-}" = "--write-seeds" ]; then write_seeds=1; shift; fi
build=${1:-build-fuzz}
seconds=${2:-60}
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(record journal segment json schema_def schema_export cli_load schema_insert cli_args query)
fi

cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DSPIRAPI_FUZZ=ON \
  -DSPIRAPI_BUILD_TESTS=OFF -DSPIRAPI_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target fuzzers

# A suppressed UBSan report (fuzz/ubsan.supp) continues; any other stops.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/fuzz/ubsan.supp"
if [ $write_seeds -eq 1 ]; then
  for t in "${targets[@]}"; do
    rm -rf "fuzz/corpus/$t"
    "$build/fuzz/${t}_fuzzer" --write-seeds "fuzz/corpus/$t"
  done
  exit 0
fi

mkdir -p "$build/artifacts"
# Absolute paths: cli_args runs each input in a directory of its own, and a
# crash is written while it is there.
root=$PWD
out=$(cd "$build" && pwd)
summary=()
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  log="$build/artifacts/$t.log"
  echo "fuzzing $t for ${seconds}s"
  status=ok
  start=$(date +%s)
  dict=()
  if [ -f "fuzz/$t.dict" ]; then dict=(-dict="$root/fuzz/$t.dict"); fi
  # -timeout: an input taking 10 s is a finding (a hang), not a slow machine.
  if ! "$out/fuzz/${t}_fuzzer" "$out/corpus/$t" "$root/fuzz/corpus/$t" "${dict[@]}" \
      -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$t-" >"$log" 2>&1; then
    status="FAILED (see $log)"
    failed=1
    tail -n 60 "$log"
  fi
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  corpus=$(ls "$build/corpus/$t" | wc -l)
  summary+=("$(printf '%-14s %6ss %12s execs %7s new inputs  %s' "$t" "$elapsed" \
    "${execs:-?}" "$corpus" "$status")")
done
printf '%s\n' "${summary[@]}"
exit $failed
