#!/usr/bin/env bash
# Export benchmark: a throwaway PostgreSQL on 127.0.0.1 with BENCH_ORGS organizations (all made
# Active, so the Active tab of the whole partner tree holds every one), then the real CSV export
# code (Custos.Bench export: the export job's query and CsvHelper writer, in its own process) side
# by side with `psql \copy (the same SELECT) TO` on the same data; the best of BENCH_RUNS runs each.
# Prints Markdown: rows/s and peak RSS of each. Stops everything it started.
# Env: BENCH_PG_PORT (55487), BENCH_ORGS (1000000), BENCH_RUNS (3). Runs as root (PostgreSQL runs as postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PG_PORT=${BENCH_PG_PORT:-55487}
ORGS=${BENCH_ORGS:-1000000}
PGBIN=/usr/lib/postgresql/15/bin
TMP=$(mktemp -d)
chown postgres "$TMP"
PG_SETTINGS="-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB -c work_mem=16MB -c maintenance_work_mem=512MB -c max_wal_size=8GB -c max_connections=50"
cleanup() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/db" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "building (Release)…" >&2
dotnet build "$ROOT/bench/Custos.Bench/Custos.Bench.csproj" -c Release -v q -nologo >&2
BENCH="dotnet $ROOT/bench/Custos.Bench/bin/Release/net10.0/Custos.Bench.dll"

runuser -u postgres -- "$PGBIN/initdb" -A trust -E UTF8 --locale=C.UTF-8 -U postgres -D "$TMP/db" >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/db" -l "$TMP/pg.log" -o "$PG_SETTINGS" -w start >/dev/null
PSQL="$PGBIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -qAt"
$PSQL -c "CREATE DATABASE custos_export"
CS="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=custos_export"

echo "loading $ORGS organizations…" >&2
$BENCH load "$CS" "$ORGS" >&2
# Every organization on the Active tab (counter triggers off: the counts play no part in an export).
$PSQL -d custos_export -c "SET session_replication_role = replica" \
  -c "UPDATE \"Organizations\" SET \"Status\" = 'Active', \"PurgeDueAt\" = NULL, \"DeletedAt\" = NULL WHERE \"Status\" <> 'Active'" \
  -c "VACUUM ANALYZE \"Organizations\""
SQL=$($BENCH export-sql "$CS")
echo "$SQL" >&2
$PSQL -d custos_export -c "EXPLAIN $SQL" >&2

RUNS=${BENCH_RUNS:-3}
# The real export, RUNS times in one process (a running host's export job is warm), under
# /usr/bin/time for the process's max RSS; then psql \copy of the same SELECT RUNS times.
# Each side's best run counts: the machine is shared, and the best run is the least disturbed one.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/time -f "%e %M" -o "$TMP/net.time" $BENCH export "$CS" "$TMP/export.csv" "$RUNS" >"$TMP/net.out"
: >"$TMP/copy.runs"
for _ in $(seq 1 "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$TMP/copy.time" $PSQL -d custos_export -c "\\copy ($SQL) TO '$TMP/copy.csv' WITH (FORMAT csv, HEADER)"
  cat "$TMP/copy.time" >>"$TMP/copy.runs"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$TMP/net.out" >&2
cat "$TMP/copy.runs" >&2

read -r _ NET_RSS_KB <"$TMP/net.time"
NET_ROWS=$(grep -o 'rows=[0-9]*' "$TMP/net.out" | head -n1 | cut -d= -f2)
NET_SECONDS=$(grep -o 'seconds=[0-9.]*' "$TMP/net.out" | cut -d= -f2 | sort -g | head -n1)
NET_ALL=$(grep -o 'seconds=[0-9.]*' "$TMP/net.out" | cut -d= -f2 | paste -sd' ')
NET_BYTES=$(grep -o 'bytes=[0-9]*' "$TMP/net.out" | head -n1 | cut -d= -f2)
NET_BASE=$(grep -o 'baseline_rss_mb=[0-9.]*' "$TMP/net.out" | cut -d= -f2)
NET_PEAK=$(grep -o 'peak_rss_mb=[0-9.]*' "$TMP/net.out" | cut -d= -f2)
COPY_SECONDS=$(cut -d' ' -f1 "$TMP/copy.runs" | sort -g | head -n1)
COPY_ALL=$(cut -d' ' -f1 "$TMP/copy.runs" | paste -sd' ')
COPY_RSS_KB=$(cut -d' ' -f2 "$TMP/copy.runs" | sort -n | tail -n1)
COPY_ROWS=$(($(wc -l <"$TMP/copy.csv") - 1))
NET_RATE=$(awk -v r="$NET_ROWS" -v s="$NET_SECONDS" 'BEGIN { printf "%.0f", r / s }')
COPY_RATE=$(awk -v r="$COPY_ROWS" -v s="$COPY_SECONDS" 'BEGIN { printf "%.0f", r / s }')
RATIO=$(awk -v a="$NET_RATE" -v b="$COPY_RATE" 'BEGIN { printf "%.2f", a / b }')

echo
echo "## CSV export ($ORGS organizations, all on the Active tab of the whole partner tree)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average before / after the measured runs: $LOAD_BEFORE / $LOAD_AFTER"
echo "- $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB RAM"
echo "- $($PSQL -c 'SHOW server_version') with: $PG_SETTINGS" | sed "s|$TMP|<tmp>|"
echo
echo "| best of $RUNS | rows | seconds (all runs) | rows/s | file | peak RSS |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| Custos export (query + CsvHelper) | $NET_ROWS | $NET_SECONDS ($NET_ALL) | $NET_RATE | $((NET_BYTES / 1048576)) MB | $NET_PEAK MB VmHWM ($NET_BASE MB before the first run; /usr/bin/time: $((NET_RSS_KB / 1024)) MB) |"
echo "| psql \\copy (same SELECT) TO file | $COPY_ROWS | $COPY_SECONDS ($COPY_ALL) | $COPY_RATE | $(($(stat -c %s "$TMP/copy.csv") / 1048576)) MB | $((COPY_RSS_KB / 1024)) MB (psql) |"
echo
echo "Export rate / COPY rate: **$RATIO** (goal ≥ 0.5 with peak RSS ≤ 200 MB)."
