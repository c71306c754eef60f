import type { Database } from './database.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

/** Applies the migrations the database lacks, each in its own transaction; refuses a newer database. */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS stagecraft_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied: number[] = [];
  await db.transaction(async (tx) => {
    // Two processes opening a new PostgreSQL store at once must not both migrate it.
    if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(7422661)');
    const done = new Set(
      (await tx.query('SELECT version FROM stagecraft_schema_migrations')).map((r) => Number(r.version)),
    );
    const newest = Math.max(0, ...done);
    const known = Math.max(0, ...migrations.map((m) => m.version));
    if (newest > known) {
      throw new Error(
        `the state store is at schema version ${newest}, newer than this stagecraft knows (${known}): upgrade stagecraft`,
      );
    }
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(typeof m.sql === 'string' ? m.sql : m.sql[tx.dialect]);
      await tx.query(
        'INSERT INTO stagecraft_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        [m.version, m.name, new Date().toISOString()],
      );
      applied.push(m.version);
    }
  });
  return applied;
}
