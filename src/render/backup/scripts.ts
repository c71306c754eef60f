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
