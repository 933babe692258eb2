#!/usr/bin/env bash
# The main job: create a database, store records in several components in one
# transaction (examples/quickstart.cc), load more with the CLI, read them back,
# compute and search π, validate records against a schema, verify, and print
# statistics.
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
echo "== π: compute 100,000 digits (BBP-checked), read, search, spiral, ids"
"$cli" pi compute "$db" --digits 100000 --verify --id pi-1e5
"$cli" pi get "$db" pi-1e5 --from 91 --count 10
"$cli" pi search "$db" pi-1e5 999999
"$cli" pi spiral "$db" pi-1e5 --x 0 --y 0 --radius 3
"$cli" pi ids "$db" --count 3
echo "== a structured schema: a valid record, a refused one, find"
"$cli" schema create "$db" user_profile --zone structured --fields '{"user_id":{"type":"pi_sequence","required":true},"name":{"type":"string","max_length":100},"age":{"type":"integer","min_value":0}}'
"$cli" insert "$db" user_profile '{"user_id":"3.14159","name":"Ada","age":36}'
"$cli" insert "$db" user_profile '{"name":"Bob","age":-4,"email":"b@x"}' || echo "(refused, as it should be: exit code $?)"
"$cli" find "$db" user_profile --where name=Ada
echo "== verify"
"$cli" verify "$db"
echo "== stats"
"$cli" stats "$db"
