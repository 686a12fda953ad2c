#!/usr/bin/env bash
# One command: the REST API's organization list under wrk. Throwaway PostgreSQL on 127.0.0.1 (the
# same settings as bench/run.sh), 100,000 organizations (Custos.Bench load), a partner Owner who
# creates a Full administrator API key through CreateApiKey, src/Custos.Web in Release with the
# per-key rate limit raised for the run, then wrk on GET /api/v1/organizations with and without a
# search, and a floor (/healthz). Prints Markdown; stops everything it started.
# Env: BENCH_PG_PORT (55487), BENCH_WEB_PORT (5487), BENCH_API_ORGS (100000), BENCH_API_SEARCH (group),
#      BENCH_API_SECONDS (20), BENCH_API_WARMUP (60 s of wrk before each measured run: the JIT's
#      tiers settle), BENCH_API_ENV (Production), BENCH_API_SCOPE (400: the key's partner is the leaf
#      partner with about that many organizations, so every run has the same shape of scope),
#      BENCH_API_PERF=file: also `perf record` the host during the search run and write the hottest
#      symbols (perf report, with the runtime's perf map) to that file;
#      BENCH_API_HOST_ENV="NAME=value …": more environment for the host (e.g. DOTNET_gcServer=0);
#      BENCH_API_CS_EXTRA="Max Auto Prepare=32": appended to the host's connection string.
# Runs as root (PostgreSQL runs as postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PG_PORT=${BENCH_PG_PORT:-55487}
WEB_PORT=${BENCH_WEB_PORT:-5487}
ORGS=${BENCH_API_ORGS:-100000}
TERM_=${BENCH_API_SEARCH:-group}
SECONDS_=${BENCH_API_SECONDS:-20}
ENVIRONMENT=${BENCH_API_ENV:-Production}
NEAR=${BENCH_API_SCOPE:-400}
WARMUP=${BENCH_API_WARMUP:-60}
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
dotnet build "$ROOT/src/Custos.Web/Custos.Web.csproj" -c Release -v q -nologo >&2
BENCH="dotnet $ROOT/bench/Custos.Bench/bin/Release/net10.0/Custos.Bench.dll"

runuser -u postgres -- "$PGBIN/initdb" -A trust -E UTF8 --locale=C.UTF-8 -U postgres -D "$TMP/db" >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/db" -l "$TMP/pg.log" -o "$PG_SETTINGS" -w start >/dev/null
PSQL="$PGBIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -qAt"
$PSQL -c "CREATE DATABASE custos_api"
CS="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=custos_api"

$BENCH load "$CS" "$ORGS" >&2
$BENCH user "$CS" bench.owner@custos.test "bench-password-0123" "near=$NEAR" 2>"$TMP/user.txt"
KEY=$($BENCH apikey "$CS" bench.owner@custos.test "wrk")
PARTNER_PATH=$($PSQL -d custos_api -c "SELECT p.\"Path\" FROM \"AspNetUsers\" u JOIN \"Partners\" p ON p.\"Id\" = u.\"PartnerId\" WHERE u.\"Email\" = 'bench.owner@custos.test'")
SCOPE_SQL="FROM \"Organizations\" o JOIN \"Partners\" p ON p.\"Id\" = o.\"PartnerId\" WHERE p.\"Path\" LIKE '$PARTNER_PATH%' AND o.\"Status\" = 'Active'"
IN_SCOPE=$($PSQL -d custos_api -c "SELECT count(*) $SCOPE_SQL")
MATCHES=$($PSQL -d custos_api -c "SELECT count(*) $SCOPE_SQL AND o.\"NameNormalized\" LIKE '%$TERM_%'")
# A steady state: the host's purge job must find nothing to do during the runs.
DUE=$($PSQL -d custos_api -c "SELECT count(*) FROM \"Organizations\" WHERE \"PurgedAt\" IS NULL AND \"PurgeDueAt\" <= now() + interval '1 hour'")

mkdir -p "$TMP/web"
(
  cd "$ROOT/src/Custos.Web"
  exec env ASPNETCORE_ENVIRONMENT="$ENVIRONMENT" ASPNETCORE_URLS="http://127.0.0.1:$WEB_PORT" \
    Database__Provider=Postgres ConnectionStrings__Custos="$CS${BENCH_API_CS_EXTRA:+;$BENCH_API_CS_EXTRA}" \
    Custos__SeedDemo=false Custos__Scheduler__Enabled=true Custos__DataPath="$TMP/web" \
    Custos__Api__RateLimitPermits=100000000 \
    ${BENCH_API_PERF:+DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0} ${BENCH_API_HOST_ENV:-} \
    dotnet "bin/Release/net10.0/Custos.Web.dll"
) >"$TMP/web.log" 2>&1 &
WEB_PID=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null && break
  sleep 1
done

BASE="http://127.0.0.1:$WEB_PORT"
AUTH="Authorization: Bearer $KEY"
# CPU time (clock ticks) used so far by the given processes: on a shared machine, CPU per request
# says more than requests per second.
ticks() {
  local total=0 p f
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    read -r -a f < <(sed 's/^.*) //' "/proc/$p/stat")
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
pg_pids() { local pm; pm=$(head -1 "$TMP/db/postmaster.pid"); echo "$pm" $(pgrep -P "$pm"); }
HZ=$(getconf CLK_TCK)
run() { # title, url, [seconds]
  local status bytes host0 pg0 host1 pg1 pids requests
  status=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "$AUTH" "$2")
  bytes=$(wc -c <"$TMP/body")
  echo
  echo "### $1"
  echo
  echo "\`GET ${2#"$BASE"}\`: first answer $status, $bytes bytes; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo '```'
  wrk -t2 -c16 -d"$WARMUP"s -H "$AUTH" "$2" >/dev/null
  pids=$(pg_pids)
  host0=$(ticks "$WEB_PID"); pg0=$(ticks $pids)
  if [[ -n "${BENCH_API_PERF:-}" && ! -e "$TMP/perf.data" ]]; then
    perf record -F 997 -g -p "$WEB_PID" -o "$TMP/perf.data" -- sleep "${3:-$SECONDS_}" >/dev/null 2>&1 &
    PERF_PID=$!
  fi
  /usr/bin/time -f "%U %S" -o "$TMP/wrk.cpu" wrk -t2 -c16 -d"${3:-$SECONDS_}"s --latency -H "$AUTH" "$2" | tee "$TMP/wrk.out"
  host1=$(ticks "$WEB_PID"); pg1=$(ticks $pids)
  if [[ -n "${PERF_PID:-}" ]]; then wait "$PERF_PID" || true; PERF_PID=""; fi
  if [[ -n "${BENCH_API_PERF:-}" && -e "$TMP/perf.data" && ! -e "$BENCH_API_PERF" ]]; then
    { perf report -i "$TMP/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -20
      perf report -i "$TMP/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | grep '%' | head -120; } >"$BENCH_API_PERF" || true
  fi
  echo '```'
  requests=$(awk '/requests in/{print $1}' "$TMP/wrk.out")
  echo
  awk -v r="$requests" -v h="$((host1 - host0))" -v p="$((pg1 - pg0))" -v hz="$HZ" -v w="$(cat "$TMP/wrk.cpu")" 'BEGIN {
    split(w, a, " "); wc = (a[1] + a[2]) * 1000 / r; hc = h * 1000 / hz / r; pc = p * 1000 / hz / r;
    printf "CPU per request: host %.2f ms, PostgreSQL %.2f ms, wrk %.2f ms; sum %.2f ms, so at most %.0f requests/s on 2 otherwise idle cores\n", hc, pc, wc, hc + pc + wc, 2000 / (hc + pc + wc) }'
}

echo
echo "## REST API under wrk: machine"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); load before: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$ROOT" rev-parse --short HEAD)"
echo "- $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB RAM"
echo "- $($PSQL -c 'SHOW server_version') with: $PG_SETTINGS" | sed "s|$TMP|<tmp>|"
echo "- host: Release, ASPNETCORE_ENVIRONMENT=$ENVIRONMENT, Custos:Api:RateLimitPermits=100000000${BENCH_API_HOST_ENV:+, $BENCH_API_HOST_ENV}${BENCH_API_CS_EXTRA:+, connection string + \"$BENCH_API_CS_EXTRA\"}; wrk -t2 -c16 -d${SECONDS_}s --latency after a ${WARMUP} s warm-up"
echo "- $ORGS organizations; $(cat "$TMP/user.txt"); the key is its Full administrator key"
echo "- Active organizations in the key's scope: $IN_SCOPE; of them, names containing \"$TERM_\": $MATCHES"
echo "- organizations due for purge during the runs: $DUE"

run "search \"$TERM_\" (first page of 20)" "$BASE/api/v1/organizations?search=$TERM_"
run "no search (first page of 20)" "$BASE/api/v1/organizations"
run "floor: /healthz (no API key needed; sent anyway)" "$BASE/healthz" 10
