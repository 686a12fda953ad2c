#!/usr/bin/env bash
# One command: throwaway PostgreSQL on 127.0.0.1, 1,000,000 organizations, the Organizations
# page's query shapes (handler vs hand-written SQL), then the rendered page under wrk against a
# 100,000-organization database. Prints Markdown; stops everything it started.
# Env: BENCH_PG_PORT (55486), BENCH_WEB_PORT (5486), BENCH_ORGS (1000000), BENCH_WEB_ORGS (100000),
#      BENCH_RUNS (200), BENCH_SKIP_WEB=1 to skip the wrk part. Runs as root (PostgreSQL runs as postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PG_PORT=${BENCH_PG_PORT:-55486}
WEB_PORT=${BENCH_WEB_PORT:-5486}
ORGS=${BENCH_ORGS:-1000000}
WEB_ORGS=${BENCH_WEB_ORGS:-100000}
RUNS=${BENCH_RUNS:-200}
PGBIN=/usr/lib/postgresql/15/bin
TMP=$(mktemp -d)
chown postgres "$TMP"
PG_SETTINGS="-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB -c work_mem=16MB -c maintenance_work_mem=512MB -c max_wal_size=8GB -c max_connections=200"
WEB_PID=""
cleanup() {
  if [[ -n "$WEB_PID" ]]; then kill "$WEB_PID" 2>/dev/null || true; wait "$WEB_PID" 2>/dev/null || true; fi
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
$PSQL -c "CREATE DATABASE custos_bench" -c "CREATE DATABASE custos_web"
CS="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database"

echo
echo "## Machine"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB RAM"
echo "- $($PSQL -c 'SHOW server_version') with: $PG_SETTINGS" | sed "s|$TMP|<tmp>|"
echo
echo "## Query shapes ($ORGS organizations, $RUNS timed runs after warm-up, hot cache)"
echo
$BENCH query "$CS=custos_bench" "$ORGS" "$RUNS"

if [[ "${BENCH_SKIP_WEB:-}" == "1" ]]; then exit 0; fi

echo "building the web host (Release)…" >&2
dotnet build "$ROOT/src/Custos.Web/Custos.Web.csproj" -c Release -v q -nologo >&2
$BENCH load "$CS=custos_web" "$WEB_ORGS"
$BENCH user "$CS=custos_web" bench.owner@custos.test "bench-password-0123"
mkdir -p "$TMP/web"
(
  cd "$ROOT/src/Custos.Web"
  exec env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$WEB_PORT" \
    Database__Provider=Postgres ConnectionStrings__Custos="$CS=custos_web" \
    Custos__SeedDemo=false Custos__Scheduler__Enabled=true Custos__DataPath="$TMP/web" \
    Logging__LogLevel__Default=Warning \
    dotnet "bin/Release/net10.0/Custos.Web.dll"
) >"$TMP/web.log" 2>&1 &
WEB_PID=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$WEB_PORT/signin" >/dev/null && break
  sleep 1
done
COOKIE=$($BENCH signin "http://127.0.0.1:$WEB_PORT" bench.owner@custos.test "bench-password-0123")
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "http://127.0.0.1:$WEB_PORT/organizations")
echo
echo "## GET /organizations under load ($WEB_ORGS organizations; signed-in Owner; first GET answered $STATUS)"
echo
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo '```'
wrk -t2 -c16 -d5s -H "Cookie: $COOKIE" "http://127.0.0.1:$WEB_PORT/organizations" >/dev/null
wrk -t2 -c16 -d20s --latency -H "Cookie: $COOKIE" "http://127.0.0.1:$WEB_PORT/organizations"
echo '```'
