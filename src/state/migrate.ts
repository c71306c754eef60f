import { MIGRATIONS, type Migration } from './migrations.ts';
import type { AppliedMigration } from './records.ts';
import type { Database } from './sql.ts';

export const MIGRATIONS_TABLE = 'stagecraft_schema_migrations';

/** Serialises migrations of one PostgreSQL database across processes (an arbitrary, fixed key). */
const POSTGRES_LOCK_KEY = 7_422_661_001;

/** The database was migrated by a newer stagecraft: this one must not touch it. */
export class SchemaTooNew extends Error {
  readonly found: number;
  readonly known: number;
  constructor(found: number, known: number) {
    super(
      `the state store is at schema version ${found}, newer than this stagecraft knows (${known}): ` +
        'upgrade stagecraft, or point it at another store',
    );
    this.name = 'SchemaTooNew';
    this.found = found;
    this.known = known;
  }
}

/** Versions must be positive integers in strictly increasing order, and every migration named. */
export function checkMigrations(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version <= previous)
      throw new Error(`migration versions must increase: ${m.version} comes after ${previous}`);
    if (!m.name.trim()) throw new Error(`migration ${m.version} has no name`);
    previous = m.version;
  }
}

async function tableExists(db: Database, name: string): Promise<boolean> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.query("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", [name])
      : await db.query(
          'SELECT 1 AS found FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?',
          [name],
        );
  return rows.length > 0;
}

/** The migrations recorded in the database, oldest first (none when it has never been migrated). */
export async function appliedMigrations(db: Database): Promise<AppliedMigration[]> {
  if (!(await tableExists(db, MIGRATIONS_TABLE))) return [];
  return readApplied(db);
}

async function readApplied(db: Database): Promise<AppliedMigration[]> {
  const rows = await db.query(`SELECT version, name, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY version`);
  return rows.map((r) => ({
    version: Number(r.version),
    name: String(r.name),
    appliedAt: String(r.applied_at),
  }));
}

function pending(applied: AppliedMigration[], migrations: readonly Migration[]): Migration[] {
  const known = migrations.at(-1)?.version ?? 0;
  const newest = applied.at(-1)?.version ?? 0;
  if (newest > known) throw new SchemaTooNew(newest, known);
  const done = new Set(applied.map((a) => a.version));
  return migrations.filter((m) => !done.has(m.version));
}

/**
 * Brings the database up to date: applies, in one transaction, the migrations it lacks and records
 * each in `stagecraft_schema_migrations`. Returns the versions applied (none when it was up to
 * date). Refuses, changing nothing, a database at a version newer than `migrations` knows.
 */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  checkMigrations(migrations);
  // The usual case, an up-to-date store, takes no write lock.
  if (pending(await appliedMigrations(db), migrations).length === 0) return [];

  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.query(`SELECT pg_advisory_xact_lock(${POSTGRES_LOCK_KEY})`);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
    );
    // Read again under the lock: another process may have migrated meanwhile.
    const todo = pending(await readApplied(tx), migrations);
    for (const m of todo) {
      const sql = typeof m.sql === 'string' ? m.sql : m.sql[tx.dialect];
      try {
        if (sql.trim()) await tx.exec(sql);
      } catch (e) {
        throw new Error(`state store migration ${m.version} (${m.name}) failed: ${(e as Error).message}`);
      }
      await tx.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`, [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
    return todo.map((m) => m.version);
  });
}
