#!/usr/bin/env bash
# The web dashboard in headless Chromium (Debian's chromium package), against
# a small database made here: π sequences, a schema with a history, logged
# queries, records in every component.
#   dashboard-browser.sh BUILD_DIR --check            each page loads with
#       HTTP 200, its script runs (data-ready), no console message at all
#       (errors, refused resources, CSP violations), and its charts render
#   dashboard-browser.sh BUILD_DIR --screenshots DIR  a PNG of each page
set -euo pipefail
build=${1:?usage: dashboard-browser.sh BUILD_DIR --check | --screenshots DIR}
mode=${2:?usage: dashboard-browser.sh BUILD_DIR --check | --screenshots DIR}
cli=$(cd "$build" && pwd)/spirapi
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "dashboard-browser: chromium is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
db=$work/db

"$cli" init "$db" >/dev/null
"$cli" pi compute "$db" --digits 20000 --id pi-2e4 >/dev/null
"$cli" pi compute "$db" --digits 3000 --id pi-3e3 >/dev/null
"$cli" schema create "$db" people --zone structured \
  --fields '{"name":{"type":"string"},"age":{"type":"integer","min_value":0}}' >/dev/null
"$cli" schema evolve "$db" people --add email '{"type":"string"}' >/dev/null
for i in $(seq 1 20); do
  "$cli" insert "$db" people "{\"name\":\"person $i\",\"age\":$((20 + i))}" >/dev/null
done
"$cli" query "$db" --schema people '{"age":{"$gt":30}}' --log >/dev/null
"$cli" query "$db" --schema people '{"name":"person 3"}' --log >/dev/null
"$cli" put "$db" metadata about '{"made_by":"dashboard-browser.sh"}' >/dev/null
# A metrics history to chart: the Python package keeps the database open over
# a few one-second sampling intervals, reading and writing.
PYTHONPATH="$(cd "$build" && pwd)/python" /usr/bin/python3 - "$db" <<'PY'
import sys, time
import spirapi
with spirapi.SpiraPiDatabase(sys.argv[1], metrics_interval_seconds=1) as db:
    end = time.time() + 4.5
    i = 0
    while time.time() < end:
        db["metadata"].put(f"m{i % 200}", {"i": i})
        db["metadata"].get(f"m{i % 200}")
        i += 1
PY

"$cli" serve "$db" --port 0 --refresh 0 2>"$work/serve.log" &
server=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://[^ ]*' "$work/serve.log" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "dashboard-browser: spirapi serve did not start:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi

# page name, path, how many <svg> charts it must show at least
pages=(
  "overview / 0"
  "performance /performance 5"
  "components /components 0"
  "schemas /schemas 0"
  "schema /schemas/people 0"
  "sequences /sequences 0"
  "sequence /sequences/pi-2e4 3"
  "queries /queries 0"
)
chrome=("$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars
        --no-first-run --disable-extensions --window-size=1280,1000)

failed=0
case "$mode" in
  --check)
    for entry in "${pages[@]}"; do
      read -r name path charts <<<"$entry"
      code=$(curl -s -o /dev/null -w '%{http_code}' "${url%/}$path")
      "${chrome[@]}" --enable-logging=stderr --v=0 --virtual-time-budget=4000 --dump-dom \
        "${url%/}$path" >"$work/$name.html" 2>"$work/$name.log" || true
      problems=()
      [ "$code" = 200 ] || problems+=("HTTP $code")
      grep -q 'data-ready="1"' "$work/$name.html" || problems+=("its script did not run")
      grep -q 'id="script-errors" class="shown"' "$work/$name.html" && problems+=("script error shown")
      if grep -q ':CONSOLE' "$work/$name.log"; then
        problems+=("console: $(grep ':CONSOLE' "$work/$name.log" | head -3 | tr '\n' ' ')")
      fi
      svgs=$( (grep -o '<svg' "$work/$name.html" || true) | wc -l)
      [ "$svgs" -ge "$charts" ] || problems+=("$svgs charts, expected at least $charts")
      if [ ${#problems[@]} -eq 0 ]; then
        echo "ok      $name ($path, $svgs charts)"
      else
        echo "FAILED  $name ($path): ${problems[*]}"
        failed=1
      fi
    done
    ;;
  --screenshots)
    out=${3:?usage: dashboard-browser.sh BUILD_DIR --screenshots DIR}
    mkdir -p "$out"
    for entry in "${pages[@]}"; do
      read -r name path _ <<<"$entry"
      "${chrome[@]}" --virtual-time-budget=4000 --screenshot="$out/dashboard-$name.png" \
        "${url%/}$path" >/dev/null 2>&1
      [ -s "$out/dashboard-$name.png" ] || { echo "no screenshot of $name" >&2; failed=1; }
      echo "$out/dashboard-$name.png"
    done
    ;;
  *)
    echo "usage: dashboard-browser.sh BUILD_DIR --check | --screenshots DIR" >&2
    exit 2
    ;;
esac
exit $failed
