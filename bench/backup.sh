#!/usr/bin/env bash
# Backup benchmark: Custos backing up a mailbox over IMAP vs `restic backup` of the same mail as a
# Maildir, on the same machine, in one run.
#   1. bench/backup/generate.py writes BENCH_MESSAGES deterministic RFC 822 messages (~55 KB on
#      average: a quarter with a base64 attachment from a pool of 400, 3 % exact duplicates) as
#      the Maildir of a throwaway Dovecot user (plain IMAP on 127.0.0.1), which restic reads as files.
#   2. restic: a local repository in the temp dir; Custos: `Custos.Bench backup` = the product's
#      BackupRunner (IMAP → MessageStore → index) with SQLite in the temp dir.
#   3. Full restore: `restic restore latest` vs Custos restoring every message to a file through
#      MessageStore, twice: served by the backup worker (as the host serves it) and as a new process
#      (`Custos.Bench restore`); every restored set is checked against the Maildir by SHA-256.
#   4. Incremental: BENCH_NEW_MESSAGES more messages, then a second run of each; Custos' in the
#      backup worker that ran the first backup (one long-lived process, as the host's scheduler runs
#      jobs), restic's as a new process (its whole run).
# Prints Markdown (figures and ratios). Stops everything it started; runs as root (Dovecot as nobody).
# Env: BENCH_MESSAGES (20000), BENCH_NEW_MESSAGES (1000), BENCH_IMAP_PORT (51990).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COUNT=${BENCH_MESSAGES:-20000}
NEW=${BENCH_NEW_MESSAGES:-1000}
PORT=${BENCH_IMAP_PORT:-51990}
TMP=$(mktemp -d /tmp/custos-backup-bench.XXXXXX)
chmod 755 "$TMP"
WORKER_PID=""
cleanup() {
  [[ -n $WORKER_PID ]] && kill "$WORKER_PID" >/dev/null 2>&1 || true
  [[ -f $TMP/run/master.pid ]] && kill -TERM "$(head -n1 "$TMP/run/master.pid")" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

command -v restic >/dev/null || apt-get install -y -qq restic >&2
[[ -x /usr/sbin/dovecot ]] || apt-get install -y -qq dovecot-imapd >&2

echo "building (Release)…" >&2
dotnet build "$ROOT/bench/Custos.Bench/Custos.Bench.csproj" -c Release -v q -nologo >&2
BENCH="dotnet $ROOT/bench/Custos.Bench/bin/Release/net10.0/Custos.Bench.dll"

MAILDIR=$TMP/mail/bench/Maildir
echo "generating $COUNT messages…" >&2
python3 "$ROOT/bench/backup/generate.py" "$MAILDIR" "$COUNT" 0 >"$TMP/generate.out"
GROUP=$(id -gn nobody 2>/dev/null || echo nogroup)
chown -R nobody:"$GROUP" "$TMP/mail"
mkdir -p "$TMP/run" "$TMP/state"
echo "bench:{PLAIN}bench-password" >"$TMP/users"
cat >"$TMP/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $TMP/run
state_dir = $TMP/state
log_path = $TMP/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = nobody
default_internal_user = nobody
default_internal_group = $GROUP
mail_location = maildir:~/Maildir
mail_uid = nobody
mail_gid = $GROUP
first_valid_uid = 0
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
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
  args = $TMP/users
}
userdb {
  driver = static
  args = uid=nobody gid=$GROUP home=$TMP/mail/%u
}
CONF
/usr/sbin/dovecot -c "$TMP/dovecot.conf"
# Dovecot indexes the Maildir before the clock starts: restic needs no index, so neither side pays for one.
doveadm -c "$TMP/dovecot.conf" mailbox status -u bench 'messages' '*' >&2

count_files() { find "$1" -type f | wc -l; }
# Message files only: a Maildir also holds Dovecot's index files (which restic backs up too).
digests() { find "$1" -type f \( -path '*/cur/*' -o -path '*/new/*' -o -name '*.eml' \) -print0 | xargs -0 -r sha256sum | cut -d' ' -f1 | sort; }
# wall seconds, peak RSS (KB), user and system CPU seconds of the process and its children
timed() { local out=$1; shift; /usr/bin/time -f "%e %M %U %S" -o "$out" "$@"; }

export RESTIC_PASSWORD=bench RESTIC_REPOSITORY=$TMP/restic RESTIC_CACHE_DIR=$TMP/restic-cache
restic init -q >&2
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

echo "restic backup…" >&2
timed "$TMP/restic1.time" restic backup -q "$MAILDIR" >&2
echo "Custos backup…" >&2
# Custos backs up in a backup worker as the host runs it: one long-lived process that later runs the
# incremental too (the scheduler runs every organization's jobs in the host). It reports the first
# run as /usr/bin/time would report a process ending there, then waits for "$TMP/go".
rm -f "$TMP/go"
$BENCH connect "$TMP/custos" 127.0.0.1 "$PORT" bench bench-password >&2
$BENCH backup "$TMP/custos" 127.0.0.1 "$PORT" bench bench-password --wait-for "$TMP/go" --restore-to "$TMP/custos-restore-worker" >"$TMP/custos1.out" &
WORKER_PID=$!
until grep -q '^process_seconds=' "$TMP/custos1.out" 2>/dev/null; do
  kill -0 "$WORKER_PID" 2>/dev/null || { cat "$TMP/custos1.out" "$TMP/dovecot.log" >&2; echo "Custos backup failed" >&2; exit 1; }
  sleep 0.1
done
cat "$TMP/custos1.out" >&2
grep -q '^outcome=Succeeded' "$TMP/custos1.out" || { cat "$TMP/dovecot.log" >&2; echo "Custos backup failed" >&2; exit 1; }
# wall seconds, peak RSS (KB), CPU seconds, in /usr/bin/time's layout for the tables below.
val() { grep -o "$1=[0-9.]*" "$2" | head -1 | cut -d= -f2; }
echo "$(val process_seconds "$TMP/custos1.out") $(val peak_rss_kb "$TMP/custos1.out") $(val cpu_seconds "$TMP/custos1.out") 0" >"$TMP/custos1.time"

RESTIC_REPO_BYTES=$(du -sb "$TMP/restic" | cut -f1)
CUSTOS_PACK_BYTES=$(du -sb "$TMP/custos/blobs" | cut -f1)
CUSTOS_DB_BYTES=$(du -cb "$TMP/custos"/custos.db* | tail -n1 | cut -f1)
SOURCE_BYTES=$(du -sb --apparent-size "$MAILDIR" | cut -f1)

echo "restores…" >&2
# Each restore writes about 1 GB into new files. Every one starts with no dirty pages left by the one
# before (sync), so none pays for another's writeback.
sync
timed "$TMP/restic-restore.time" restic restore -q latest --target "$TMP/restic-restore" >&2
sync
timed "$TMP/custos-restore.time" $BENCH restore "$TMP/custos" "$TMP/custos-restore" >"$TMP/custos-restore.out"
sync
# The same restore served by the backup worker (as the host serves one): no process start.
touch "$TMP/go.restore"
until [[ -f $TMP/go.restored ]]; do
  kill -0 "$WORKER_PID" 2>/dev/null || { cat "$TMP/custos1.out" >&2; echo "Custos worker restore failed" >&2; exit 1; }
  sleep 0.05
done
grep '^worker_restored=' "$TMP/custos1.out" | sed 's/^worker_//' >"$TMP/custos-restore-worker.out"
digests "$MAILDIR" >"$TMP/source.sha"
digests "$TMP/restic-restore" >"$TMP/restic.sha"
digests "$TMP/custos-restore" >"$TMP/custos.sha"
digests "$TMP/custos-restore-worker" >"$TMP/custos-worker.sha"
RESTIC_EXACT=$(cmp -s "$TMP/source.sha" "$TMP/restic.sha" && echo yes || echo NO)
CUSTOS_EXACT=$(cmp -s "$TMP/source.sha" "$TMP/custos.sha" && cmp -s "$TMP/source.sha" "$TMP/custos-worker.sha" && echo yes || echo NO)
RESTORED=$(count_files "$TMP/custos-restore")
rm -rf "$TMP/restic-restore" "$TMP/custos-restore" "$TMP/custos-restore-worker"

echo "incremental: $NEW new messages…" >&2
python3 "$ROOT/bench/backup/generate.py" "$MAILDIR" "$NEW" "$COUNT" >/dev/null
chown -R nobody:"$GROUP" "$TMP/mail"
doveadm -c "$TMP/dovecot.conf" mailbox status -u bench 'messages' '*' >&2
timed "$TMP/restic2.time" restic backup -q "$MAILDIR" >&2
touch "$TMP/go"
wait "$WORKER_PID" || { cat "$TMP/custos1.out" >&2; echo "Custos incremental failed" >&2; exit 1; }
grep '^incremental_' "$TMP/custos1.out" | sed 's/^incremental_//' >"$TMP/custos2.out"
cat "$TMP/custos2.out" >&2
echo "$(val seconds "$TMP/custos2.out") 0 $(val cpu_seconds "$TMP/custos2.out") 0" >"$TMP/custos2.time"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

secs() { cut -d' ' -f1 "$1"; }
cpu() { awk '{ printf "%.2f", $3 + $4 }' "$1"; }
rss_mb() { awk '{ printf "%.0f", $2 / 1024 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

R1=$(secs "$TMP/restic1.time"); C1=$(secs "$TMP/custos1.time")
RR=$(secs "$TMP/restic-restore.time"); CR=$(secs "$TMP/custos-restore.time")
R2=$(secs "$TMP/restic2.time"); C2=$(secs "$TMP/custos2.time")
C1_INNER=$(grep '^outcome=' "$TMP/custos1.out" | grep -o ' seconds=[0-9.]*' | cut -d= -f2)
C2_MSGS=$(val run_messages "$TMP/custos2.out")
CR_INNER=$(grep -o 'seconds=[0-9.]*' "$TMP/custos-restore.out" | cut -d= -f2)
CW=$(grep -o ' seconds=[0-9.]*' "$TMP/custos-restore-worker.out" | cut -d= -f2)
CW_CPU=$(val cpu_seconds "$TMP/custos-restore-worker.out")
CUSTOS_STORED=$((CUSTOS_PACK_BYTES + CUSTOS_DB_BYTES))
MSGS_RESTIC=$(rate "$COUNT" "$R1"); MSGS_CUSTOS=$(rate "$COUNT" "$C1")

echo
echo "## Backup vs restic ($COUNT messages, $(mb "$SOURCE_BYTES") MB; then $NEW more)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average before / after: $LOAD_BEFORE / $LOAD_AFTER"
echo "- $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB RAM; $(restic version | cut -d' ' -f1-2), Dovecot $(/usr/sbin/dovecot --version | awk '{print $1}'), Custos on SQLite"
echo "- $(cat "$TMP/generate.out"); Custos: $(grep '^outcome=' "$TMP/custos1.out" | tr ' ' '\n' | grep -E 'unique_messages|attachments_deduplicated' | paste -sd' ')"
echo "- restored sets equal to the Maildir by SHA-256: restic $RESTIC_EXACT, Custos $CUSTOS_EXACT ($RESTORED files)"
echo
echo "| measure | restic | Custos | Custos / restic | goal |"
echo "|---|---:|---:|---:|---|"
echo "| stored bytes (repository; Custos: packs + SQLite index) | $(mb "$RESTIC_REPO_BYTES") MB | $(mb "$CUSTOS_STORED") MB (packs $(mb "$CUSTOS_PACK_BYTES"), index $(mb "$CUSTOS_DB_BYTES")) | $(ratio "$CUSTOS_STORED" "$RESTIC_REPO_BYTES") | ≤ 0.40 |"
echo "| first backup: seconds (messages/s) | $R1 ($MSGS_RESTIC) | $C1 ($MSGS_CUSTOS; run alone $C1_INNER s) | $(ratio "$MSGS_CUSTOS" "$MSGS_RESTIC") × the rate | ≥ 1.0 |"
echo "| first backup: peak RSS | $(rss_mb "$TMP/restic1.time") MB | $(rss_mb "$TMP/custos1.time") MB | $(ratio "$(cut -d' ' -f2 "$TMP/custos1.time")" "$(cut -d' ' -f2 "$TMP/restic1.time")") | ≤ 2.0 |"
echo "| full restore: seconds, served by the backup worker | $RR | $CW | $(ratio "$RR" "$CW") × the speed | ≥ 1.0 |"
echo "| full restore: seconds, a new process | $RR | $CR (restore alone $CR_INNER s) | $(ratio "$RR" "$CR") × the speed | |"
echo "| full restore: peak RSS | $(rss_mb "$TMP/restic-restore.time") MB | $(rss_mb "$TMP/custos-restore.time") MB | $(ratio "$(cut -d' ' -f2 "$TMP/custos-restore.time")" "$(cut -d' ' -f2 "$TMP/restic-restore.time")") | |"
echo "| incremental ($NEW new; Custos fetched $C2_MSGS): seconds | $R2 | $C2 (the same worker's next run) | $(ratio "$C2" "$R2") × the time | ≤ 1.0 |"
echo
echo "CPU seconds (user + system; less sensitive to a loaded machine than wall-clock; Custos' IMAP server not included):"
echo
echo "| step | restic | Custos | Custos / restic |"
echo "|---|---:|---:|---:|"
for step in "first backup:restic1:custos1" "full restore, a new process:restic-restore:custos-restore" "incremental:restic2:custos2"; do
  IFS=: read -r label r c <<<"$step"
  echo "| $label | $(cpu "$TMP/$r.time") | $(cpu "$TMP/$c.time") | $(ratio "$(cpu "$TMP/$c.time")" "$(cpu "$TMP/$r.time")") |"
done
echo "| full restore, served by the backup worker | $(cpu "$TMP/restic-restore.time") | $CW_CPU | $(ratio "$CW_CPU" "$(cpu "$TMP/restic-restore.time")") |"
