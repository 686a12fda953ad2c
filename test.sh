#!/usr/bin/env bash
# Builds Custos once and runs every test project (tests/*/*.csproj) against a throwaway
# PostgreSQL cluster. The last line printed is always "N passed, N failed"; the exit code is 0
# only when the build succeeded, at least one test passed and nothing failed.
#
# Optional environment:
#   CUSTOS_TEST_FILTER=expr  passed to `dotnet test --filter` (e.g. "FullyQualifiedName~Retention")
#   CUSTOS_FORMAT_CHECK=1    also run `dotnet format --verify-no-changes` (slow, so off by default)
#   CUSTOS_TEST_PG_ONLY=1    only install/start PostgreSQL and Dovecot, print `select version()`, stop (debugging)
#   CUSTOS_PG_BIN=dir        PostgreSQL server binaries (default: Debian's PostgreSQL 15)
#
# Tests get the server from CUSTOS_TEST_POSTGRES (a Npgsql connection string without a database;
# each test creates its own database), and a throwaway Dovecot IMAP server from CUSTOS_TEST_IMAP
# ("Host=127.0.0.1;Port=N") with its password file in CUSTOS_TEST_IMAP_USERS: a test adds
# "user:{PLAIN}password" lines (Dovecot rereads the file when it changes) and fills the mailbox
# over IMAP. Meant to run as root (CI); apt installs need root.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
ROOT=$PWD
RUN_DIR="$ROOT/.test-run"          # gitignored: apt log and .trx results of the last run
RESULTS_DIR="$RUN_DIR/results"
APT_LOG="$RUN_DIR/apt.log"
# Use Debian's own path, not PATH: Debian keeps initdb/pg_ctl out of PATH (this image happens to
# have /usr/local/bin symlinks to them, a fresh Debian does not).
PG_BIN="${CUSTOS_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_FIRST_PORT=55432

export DEBIAN_FRONTEND=noninteractive
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Closed network (only NuGet/npm/Debian reachable): NuGet must not try online certificate revocation
# checks, and the SDK must not look for workload updates or create an HTTPS dev certificate.
export NUGET_CERT_REVOCATION_MODE="${NUGET_CERT_REVOCATION_MODE:-offline}"
export DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE="${DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE:-true}"
export DOTNET_GENERATE_ASPNET_CERTIFICATE="${DOTNET_GENERATE_ASPNET_CERTIFICATE:-false}"
# CI: no MSBuild worker nodes left behind (developers keep them: faster repeated builds).
if [[ ${CI:-} == true ]]; then
  export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
fi

PG_DIR=""           # temp dir of the throwaway cluster; removed by cleanup
IMAP_DIR=""         # temp dir of the throwaway Dovecot (config, state, maildirs); removed by cleanup
IMAP_FIRST_PORT=51143
OWN_POLICY_RC=""    # set when we created /usr/sbin/policy-rc.d ourselves; removed by cleanup

say() { printf '==> %s\n' "$*"; }

# Fatal error: message on stderr, then the summary line so the "last line" contract holds.
die() {
  printf 'ERROR: %s\n' "$*" >&2
  [[ ${CUSTOS_TEST_PG_ONLY:-} == 1 ]] || echo "0 passed, 1 failed"
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Cleanup: runs on every exit (normal, error, Ctrl-C). Silent, so the summary stays the last line.
cleanup() {
  local rc=$?
  set +e
  if [[ -n $PG_DIR && -d $PG_DIR ]]; then
    if [[ -f $PG_DIR/data/postmaster.pid ]]; then
      as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m immediate -w -t 30 >/dev/null 2>&1 \
        || kill -KILL "$(head -n1 "$PG_DIR/data/postmaster.pid")" >/dev/null 2>&1
    fi
    rm -rf "$PG_DIR"
  fi
  if [[ -n $IMAP_DIR && -d $IMAP_DIR ]]; then
    [[ -f $IMAP_DIR/run/master.pid ]] && kill -TERM "$(head -n1 "$IMAP_DIR/run/master.pid")" >/dev/null 2>&1
    sleep 0.2
    rm -rf "$IMAP_DIR"
  fi
  [[ -n $OWN_POLICY_RC ]] && rm -f /usr/sbin/policy-rc.d
  # CI: also stop the C# compiler server (VBCSCompiler idles ~10 min) so nothing outlives the job.
  [[ ${CI:-} == true ]] && dotnet build-server shutdown >/dev/null 2>&1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Run a PostgreSQL command as user postgres (the server refuses to run as root), from a directory
# postgres can read (otherwise initdb warns about the current directory).
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd "${PG_DIR:-/tmp}" && runuser -u postgres -- "$@")
  else
    (cd "${PG_DIR:-/tmp}" && "$@")
  fi
}

# ---------------------------------------------------------------------------------------------
# Packages. need_pkg <command-or-path> <apt-package...> queues packages when the command (looked
# up in PATH) or the path (contains a '/', must be executable) is missing; install_missing then
# runs one `apt-get update` + one `apt-get install` for everything queued, or nothing at all.
MISSING_PKGS=()
MISSING_WHAT=()
need_pkg() {
  local what=$1
  shift
  if [[ $what == */* ]]; then
    [[ -x $what ]] && return 0
  else
    command -v "$what" >/dev/null 2>&1 && return 0
  fi
  MISSING_WHAT+=("$what")
  local pkg
  for pkg in "$@"; do
    [[ " ${MISSING_PKGS[*]} " == *" $pkg "* ]] || MISSING_PKGS+=("$pkg")
  done
}

install_missing() {
  ((${#MISSING_PKGS[@]})) || return 0
  [[ $EUID -eq 0 ]] || die "missing ${MISSING_WHAT[*]}; run as root or: apt-get install ${MISSING_PKGS[*]}"
  local start=$SECONDS
  say "installing ${MISSING_PKGS[*]} (for ${MISSING_WHAT[*]}; log: $APT_LOG)"
  # Package scripts must not start system services (postgresql on 5432, dovecot on 143):
  # policy-rc.d exit 101 forbids it. Docker images ship one already; a bare Debian does not.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    OWN_POLICY_RC=1
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
  fi
  local ok=1
  {
    apt-get update -q &&
      apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${MISSING_PKGS[@]}"
  } >"$APT_LOG" 2>&1 || ok=0
  if [[ -n $OWN_POLICY_RC ]]; then
    rm -f /usr/sbin/policy-rc.d
    OWN_POLICY_RC=""
  fi
  if ((!ok)); then
    echo "---- last lines of $APT_LOG ----" >&2
    tail -n 40 "$APT_LOG" >&2
    die "apt-get could not install: ${MISSING_PKGS[*]} (full log: $APT_LOG)"
  fi
  # The package may install fine yet not provide what we looked for (e.g. another PG version).
  local what
  for what in "${MISSING_WHAT[@]}"; do
    if [[ $what == */* ]]; then [[ -x $what ]]; else command -v "$what" >/dev/null; fi ||
      die "installed ${MISSING_PKGS[*]} but $what is still missing"
  done
  say "installed in $((SECONDS - start)) s"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL: a fresh cluster per run, tuned for speed (durability is pointless for tests).
port_in_use() { (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Remove temp clusters left behind by runs that were SIGKILLed (no trap ran): older than an hour
# and without a live postmaster, so a concurrent run is never touched.
remove_stale_clusters() {
  local d pid
  for d in /tmp/custos-pg.*; do
    [[ -d $d && -n $(find "$d" -maxdepth 0 -mmin +60 2>/dev/null) ]] || continue
    pid=$(head -n1 "$d/data/postmaster.pid" 2>/dev/null || true)
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && continue
    rm -rf "$d"
  done
}

start_postgres() {
  local start=$SECONDS port
  remove_stale_clusters
  # Always under /tmp (not $TMPDIR): user postgres must be able to reach it, and the Unix socket
  # path must stay short (< 108 bytes).
  PG_DIR=$(mktemp -d /tmp/custos-pg.XXXXXX)
  [[ $EUID -eq 0 ]] && chown postgres: "$PG_DIR"
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -E UTF8 --locale=C.UTF-8 -U postgres \
    >"$PG_DIR/initdb.log" 2>&1; then
    tail -n 20 "$PG_DIR/initdb.log" >&2
    die "initdb failed"
  fi
  # First free port from PG_FIRST_PORT; if another process grabs it between the check and the
  # bind (e.g. a parallel run), try the next one.
  port=$PG_FIRST_PORT
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    while port_in_use "$port"; do port=$((port + 1)); done
    rm -f "$PG_DIR/postgres.log"
    if as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      >/dev/null 2>&1; then
      PG_PORT=$port
      export CUSTOS_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Include Error Detail=true"
      say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_DIR), started in $((SECONDS - start)) s"
      return 0
    fi
    if ! grep -q 'could not bind\|could not create any TCP/IP sockets' "$PG_DIR/postgres.log" 2>/dev/null; then
      tail -n 20 "$PG_DIR/postgres.log" >&2 2>/dev/null || true
      die "PostgreSQL did not start (see above)"
    fi
    port=$((port + 1))
  done
  die "PostgreSQL: no free port found from $PG_FIRST_PORT"
}

# ---------------------------------------------------------------------------------------------
# Dovecot: a whole IMAP server in a temp dir, plain IMAP on 127.0.0.1, users from a password file
# the tests write, maildirs under the dir. Its processes run as nobody; the dir stays root's.
start_dovecot() {
  local start=$SECONDS port d user group
  for d in /tmp/custos-imap.*; do
    [[ -d $d && -n $(find "$d" -maxdepth 0 -mmin +60 2>/dev/null) ]] || continue
    [[ -f $d/run/master.pid ]] && kill -0 "$(head -n1 "$d/run/master.pid")" 2>/dev/null && continue
    rm -rf "$d"
  done
  IMAP_DIR=$(mktemp -d /tmp/custos-imap.XXXXXX)
  chmod 755 "$IMAP_DIR"
  mkdir -p "$IMAP_DIR/run" "$IMAP_DIR/state" "$IMAP_DIR/mail"
  user=nobody
  group=$(id -gn nobody 2>/dev/null || echo nogroup)
  if [[ $EUID -ne 0 ]]; then user=$(id -un); group=$(id -gn); fi
  chown "$user:$group" "$IMAP_DIR/mail"
  : >"$IMAP_DIR/users"
  chmod 644 "$IMAP_DIR/users"
  port=$IMAP_FIRST_PORT
  while port_in_use "$port"; do port=$((port + 1)); done
  cat >"$IMAP_DIR/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $IMAP_DIR/run
state_dir = $IMAP_DIR/state
log_path = $IMAP_DIR/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login
default_login_user = $user
default_internal_user = $user
default_internal_group = $group
mail_location = maildir:~/Maildir
mail_uid = $user
mail_gid = $group
first_valid_uid = 0
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
  # No growing delay after failed sign-ins (tests fail passwords on purpose, all from 127.0.0.1).
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
passdb {
  driver = passwd-file
  args = $IMAP_DIR/users
}
userdb {
  driver = static
  args = uid=$user gid=$group home=$IMAP_DIR/mail/%u
}
protocol imap {
  mail_max_userip_connections = 50
}
CONF
  if ! /usr/sbin/dovecot -c "$IMAP_DIR/dovecot.conf" >"$IMAP_DIR/start.log" 2>&1; then
    cat "$IMAP_DIR/start.log" "$IMAP_DIR/dovecot.log" >&2 2>/dev/null || true
    die "Dovecot did not start (see above)"
  fi
  for _ in $(seq 1 50); do port_in_use "$port" && break; sleep 0.1; done
  port_in_use "$port" || { cat "$IMAP_DIR/dovecot.log" >&2 2>/dev/null; die "Dovecot is not listening on 127.0.0.1:$port"; }
  export CUSTOS_TEST_IMAP="Host=127.0.0.1;Port=$port"
  export CUSTOS_TEST_IMAP_USERS="$IMAP_DIR/users"
  say "Dovecot $(/usr/sbin/dovecot --version | awk '{print $1}') on 127.0.0.1:$port ($IMAP_DIR), started in $((SECONDS - start)) s"
}

# trx: <Counters total=".." executed=".." passed=".." failed=".." error=".." timeout=".." .../>
trx_counter() {
  local v
  v=$(grep -o '<Counters [^>]*' "$1" | grep -o "[[:space:]]$2=\"[0-9]*\"" | grep -o '[0-9]\+' | head -n1) || true
  echo "${v:-0}"
}

# =============================================================================================
need_pkg "$PG_BIN/initdb" postgresql postgresql-contrib
need_pkg "$PG_BIN/pg_ctl" postgresql postgresql-contrib
need_pkg /usr/sbin/dovecot dovecot-imapd        # IMAP server for mailbox backup tests
need_pkg /usr/bin/chromium chromium             # browser for Playwright UI tests
command -v dotnet >/dev/null || die "dotnet SDK not found in PATH"
mkdir -p "$RUN_DIR"
install_missing

start_postgres
start_dovecot

if [[ ${CUSTOS_TEST_PG_ONLY:-} == 1 ]]; then
  psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres" -X -A -t -c 'select version()'
  say "CUSTOS_TEST_POSTGRES=$CUSTOS_TEST_POSTGRES"
  say "CUSTOS_TEST_IMAP=$CUSTOS_TEST_IMAP"
  exit 0
fi

passed=0
failed=0

# ---- build once ------------------------------------------------------------------------------
start=$SECONDS
say "dotnet build Custos.slnx -c Release"
# -v q still prints errors and warnings; restore happens as part of the build.
if dotnet build Custos.slnx -c Release -v q -nologo; then
  build_ok=1
  say "build succeeded in $((SECONDS - start)) s"
else
  build_ok=0
  echo "FAILED: dotnet build (see errors above); tests not run" >&2
  failed=$((failed + 1))
fi

# ---- optional format check -------------------------------------------------------------------
if [[ $build_ok == 1 && ${CUSTOS_FORMAT_CHECK:-0} == 1 ]]; then
  say "dotnet format --verify-no-changes"
  if ! dotnet format Custos.slnx --verify-no-changes --no-restore; then
    echo "FAILED: dotnet format found unformatted code (run: dotnet format Custos.slnx)" >&2
    failed=$((failed + 1))
  fi
fi

# ---- tests, one project after the other; a failing project does not stop the rest ------------
if [[ $build_ok == 1 ]]; then
  rm -rf "$RESULTS_DIR"
  mkdir -p "$RESULTS_DIR"
  shopt -s nullglob
  projects=(tests/*/*.csproj)
  shopt -u nullglob
  ((${#projects[@]})) || echo "WARNING: no test projects under tests/" >&2
  filter_args=()
  [[ -n ${CUSTOS_TEST_FILTER:-} ]] && filter_args=(--filter "$CUSTOS_TEST_FILTER")
  for proj in "${projects[@]}"; do
    name=$(basename "$proj" .csproj)
    trx="$RESULTS_DIR/$name.trx"
    say "dotnet test $proj ${filter_args[*]}"
    start=$SECONDS
    code=0
    dotnet test "$proj" -c Release --no-build "${filter_args[@]}" \
      --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS_DIR" || code=$?
    if [[ ! -f $trx ]]; then
      echo "FAILED: $name produced no test results (exit code $code; crashed, not built, or not in Custos.slnx?)" >&2
      failed=$((failed + 1))
      continue
    fi
    p=$(trx_counter "$trx" passed)
    f=$(($(trx_counter "$trx" failed) + $(trx_counter "$trx" error) + $(trx_counter "$trx" timeout) + $(trx_counter "$trx" aborted)))
    # A test host that crashed or aborted mid-run can leave a trx without failed tests.
    if ((code != 0 && f == 0)); then
      echo "FAILED: $name: dotnet test exited with code $code but reported no failed test (test host crash/abort?)" >&2
      f=1
    fi
    say "$name: $p passed, $f failed ($((SECONDS - start)) s)"
    passed=$((passed + p))
    failed=$((failed + f))
  done
fi

echo "$passed passed, $failed failed"
[[ $build_ok == 1 && $failed -eq 0 && $passed -gt 0 ]]
