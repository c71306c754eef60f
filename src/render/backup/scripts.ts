/**
 * The shell scripts that backup one-offs run inside the PostgreSQL image, on the project's own
 * network. They are plain `sh` (the image has psql, pg_dump, pg_restore and coreutils) so that the
 * rendered `backup.sh` (cron without the daemon) and `stagecraft backup` take the same dump.
 *
 * Output lines the control plane parses: `table <schema.name> <rows>`, `bytes <n>`, `sha256 <hex>`.
 */

/** Counts every user table's rows, one `table <schema.name> <rows>` line each, in the session's snapshot. */
const COUNT_TABLES = `SELECT format('SELECT %L, count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  ORDER BY 1 \\gexec`;

/**
 * Dumps `$PGDATABASE` in custom format to `/backups/$BACKUP_NAME.dump`. One read-only transaction
 * exports its snapshot; the row counts and pg_dump both read that snapshot, so the manifest matches
 * the dump exactly even while the apps write. The dump is written under a temporary name, fsynced,
 * renamed, and its checksum written beside it; when any step fails, every file of it is removed.
 */
export const DUMP_SCRIPT = `set -eu
export PGPASSWORD="$POSTGRES_PASSWORD"
cd /backups
# A dump that fails (a full disk) leaves none of its files: only a whole backup is ever there.
trap 'status=$?; [ "$status" = 0 ] || rm -f "$BACKUP_NAME".*.partial "$BACKUP_NAME.dump" "$BACKUP_NAME.dump.sha256" "$BACKUP_NAME.manifest"' EXIT
mkfifo /tmp/release
psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 > /tmp/counts <<'SQL' &
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT pg_export_snapshot() AS snapshot \\gset
\\o /tmp/snapshot.partial
\\qecho :snapshot
\\o
\\! mv /tmp/snapshot.partial /tmp/snapshot
${COUNT_TABLES}
\\! cat /tmp/release > /dev/null
COMMIT;
SQL
holder=$!
while [ ! -s /tmp/snapshot ]; do
  kill -0 "$holder" 2>/dev/null || { wait "$holder"; exit 1; }
  sleep 0.05
done
pg_dump -Fc --snapshot="$(cat /tmp/snapshot)" -f "$BACKUP_NAME.dump.partial"
timeout 600 sh -c 'echo done > /tmp/release'
wait "$holder"
sync "$BACKUP_NAME.dump.partial"
mv "$BACKUP_NAME.dump.partial" "$BACKUP_NAME.dump"
sha256sum "$BACKUP_NAME.dump" > "$BACKUP_NAME.dump.sha256.partial"
sed 's/^/table /' /tmp/counts > "$BACKUP_NAME.manifest.partial"
sync "$BACKUP_NAME.dump.sha256.partial" "$BACKUP_NAME.manifest.partial"
mv "$BACKUP_NAME.dump.sha256.partial" "$BACKUP_NAME.dump.sha256"
mv "$BACKUP_NAME.manifest.partial" "$BACKUP_NAME.manifest"
sync .
# Whole from here on: what runs after it (a prune) must not remove it when it fails.
trap - EXIT
cat "$BACKUP_NAME.manifest"
echo "bytes $(stat -c %s "$BACKUP_NAME.dump")"
echo "sha256 $(cut -d' ' -f1 "$BACKUP_NAME.dump.sha256")"
`;

/**
 * Checks the dump against the recorded checksum (`$BACKUP_SHA256`), restores it into `$PGDATABASE`
 * on `$PGHOST`, and prints the restored row counts in the dump script's format.
 * `$RESTORE_FLAGS` adds pg_restore options (`--clean --if-exists --single-transaction` for a live restore).
 */
export const RESTORE_SCRIPT = `set -eu
export PGPASSWORD="$POSTGRES_PASSWORD"
cd /backups
if ! echo "$BACKUP_SHA256  $BACKUP_NAME.dump" | sha256sum -c --status; then
  echo "checksum mismatch: $BACKUP_NAME.dump is not the file that was backed up" >&2
  exit 3
fi
pg_restore -d "$PGDATABASE" --no-owner --no-acl --exit-on-error $RESTORE_FLAGS "$BACKUP_NAME.dump"
psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 <<'SQL' | sed 's/^/table /'
${COUNT_TABLES}
SQL
`;

/**
 * `expired DAILY WEEKLY MONTHLY` reads one series' backup names (`<project>-<service>-<YYYYMMDDTHHMMSSZ>`)
 * and prints those the policy lets go: ops/backup/retention.ts's rules (the newest is kept; each
 * rule keeps the newest backup of each of its last N UTC days, ISO weeks, months) in plain `sh`
 * with GNU `date`, for where the control plane does not run: a Kubernetes CronJob, in the
 * PostgreSQL image and in the S3 client's.
 */
export const EXPIRED_FUNCTION = `expired() {
  sort -r | {
    d=$1 w=$2 m=$3 keep=1 last_day='' last_week='' last_month=''
    while read -r name; do
      stamp=\${name##*-}
      day=\${stamp%%T*}
      week=$(date -u -d "$day" +%G-W%V)
      month=\${day%??}
      if [ "$d" -gt 0 ] && [ "$day" != "$last_day" ]; then last_day=$day d=$((d - 1)) keep=1; fi
      if [ "$w" -gt 0 ] && [ "$week" != "$last_week" ]; then last_week=$week w=$((w - 1)) keep=1; fi
      if [ "$m" -gt 0 ] && [ "$month" != "$last_month" ]; then last_month=$month m=$((m - 1)) keep=1; fi
      [ "$keep" = 1 ] || echo "$name"
      keep=0
    done
  }
}
`;

/** The dump's three files: the dump, its checksum, its manifest of row counts. */
const DUMP_FILES = ['.dump', '.dump.sha256', '.manifest'];

/**
 * After the dump script (in the same shell): prunes `/backups` to `$KEEP_DAILY`/`$KEEP_WEEKLY`/
 * `$KEEP_MONTHLY` for `$BACKUP_SERIES`, and leaves the new dump's name in `$WORK_DIR/name` for the upload.
 */
export const LOCAL_PRUNE_SCRIPT = `${EXPIRED_FUNCTION}
ls -1 | sed -n "s/^\\($BACKUP_SERIES-[0-9]\\{8\\}T[0-9]\\{6\\}Z\\)\\.dump$/\\1/p" |
  expired "$KEEP_DAILY" "$KEEP_WEEKLY" "$KEEP_MONTHLY" |
  while read -r old; do rm -f ${DUMP_FILES.map((s) => `"$old${s}"`).join(' ')}; echo "pruned $old"; done
echo "$BACKUP_NAME" > "$WORK_DIR/name"
`;

/**
 * Copies the dump named in `$WORK_DIR/name` from `$BACKUP_DIR` to `$REMOTE_URL` (`s3://bucket/prefix`)
 * with the AWS CLI, then prunes the remote copies of `$BACKUP_SERIES` to `$REMOTE_KEEP_DAILY`/
 * `…_WEEKLY`/`…_MONTHLY`. `$S3_ENDPOINT` names an S3-compatible server (path-style addressing).
 */
export const UPLOAD_SCRIPT = `set -eu
${EXPIRED_FUNCTION}
if [ -n "\${S3_ENDPOINT:-}" ]; then
  printf '[default]\\ns3 =\\n    addressing_style = path\\n' > "$WORK_DIR/aws-config"
  export AWS_CONFIG_FILE="$WORK_DIR/aws-config"
fi
s3() { aws \${S3_ENDPOINT:+--endpoint-url "$S3_ENDPOINT"} s3 "$@"; }
name=$(cat "$WORK_DIR/name")
for suffix in ${DUMP_FILES.join(' ')}; do
  s3 cp --only-show-errors "$BACKUP_DIR/$name$suffix" "$REMOTE_URL/$name$suffix"
done
echo "uploaded $name to $REMOTE_URL"
s3 ls "$REMOTE_URL/" | sed -n "s/^.* \\($BACKUP_SERIES-[0-9]\\{8\\}T[0-9]\\{6\\}Z\\)\\.dump$/\\1/p" |
  expired "$REMOTE_KEEP_DAILY" "$REMOTE_KEEP_WEEKLY" "$REMOTE_KEEP_MONTHLY" |
  while read -r old; do
    for suffix in ${DUMP_FILES.join(' ')}; do s3 rm --only-show-errors "$REMOTE_URL/$old$suffix"; done
    echo "pruned $old from $REMOTE_URL"
  done
`;

/**
 * The restore check where the control plane does not run (a Kubernetes CronJob): the newest dump
 * of `$BACKUP_SERIES` in `/backups`, checked against its checksum and restored into the scratch
 * PostgreSQL beside it (`$PGHOST`, its socket folder), the restored row counts compared with the
 * dump's manifest. Exit 1 names the tables that differ.
 */
export const RESTORE_CHECK_SCRIPT = `set -eu
cd /backups
BACKUP_NAME=$(ls -1 | sed -n "s/^\\($BACKUP_SERIES-[0-9]\\{8\\}T[0-9]\\{6\\}Z\\)\\.manifest$/\\1/p" | sort | tail -n 1)
if [ -z "$BACKUP_NAME" ]; then echo "no backup of $BACKUP_SERIES to check" >&2; exit 1; fi
BACKUP_SHA256=$(cut -d' ' -f1 "$BACKUP_NAME.dump.sha256")
export BACKUP_NAME BACKUP_SHA256 POSTGRES_PASSWORD='' RESTORE_FLAGS=''
until pg_isready -q; do sleep 1; done
(
${RESTORE_SCRIPT}) > "$WORK_DIR/restored"
sort "$BACKUP_NAME.manifest" > "$WORK_DIR/expected"
grep '^table ' "$WORK_DIR/restored" | sort > "$WORK_DIR/actual"
if ! cmp -s "$WORK_DIR/expected" "$WORK_DIR/actual"; then
  echo "$BACKUP_NAME does not restore to what was backed up (< backed up, > restored):" >&2
  diff "$WORK_DIR/expected" "$WORK_DIR/actual" >&2 || true
  exit 1
fi
echo "verified $BACKUP_NAME: $(wc -l < "$WORK_DIR/expected") tables, every row count as backed up"
`;

/**
 * The scratch PostgreSQL of the restore check: no TCP listener, only its socket in
 * `/var/run/postgresql` (shared with the check); a password made up at start, since nothing uses it.
 */
export const SCRATCH_POSTGRES_SCRIPT = `POSTGRES_PASSWORD=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \\n')
export POSTGRES_PASSWORD
exec docker-entrypoint.sh postgres -c listen_addresses=''
`;
