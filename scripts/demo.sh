#!/usr/bin/env bash
# The main job: create a database, store records in several components in one
# transaction (examples/quickstart.cc), load more with the CLI, read them back,
# verify, and print statistics.
set -euo pipefail
cli=${1:?usage: demo.sh BUILD_DIR DB_DIR}/spirapi
quickstart=${1}/quickstart
db=${2:?usage: demo.sh BUILD_DIR DB_DIR}
rm -rf "$db"
"$cli" init "$db" --compression-level 6
echo "== one transaction across the sequence, schema and metadata components"
"$quickstart" "$db"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for i in 1 2 3; do
  echo "{\"id\":\"pi-seq-$i\",\"data\":{\"sequence\":\"3.14159265358979323846\",\"precision\":20,\"algorithm\":\"chudnovsky\",\"computation_time\":0.0$i},\"metadata\":{\"run\":$i}}"
done >"$tmp"
echo "== load 3 more sequences in one transaction (CLI)"
"$cli" load "$db" sequence "$tmp" --batch 1000
echo "== put a schema and a metadata record"
"$cli" put "$db" schema user_profile '{"name":"user_profile","zone":"flexible","fields":{"user_id":{"type":"pi_sequence","required":true}}}'
"$cli" put "$db" metadata db-info '{"created_by":"demo"}' --metadata '{"source":"make run"}'
echo "== read back"
"$cli" get "$db" sequence pi-seq-2
"$cli" get "$db" schema user_profile
"$cli" scan "$db" sequence --prefix pi-seq-
echo "== verify"
"$cli" verify "$db"
echo "== stats"
"$cli" stats "$db"
