/**
 * Versioned schema migrations, applied in order at open, each in a transaction. Where the two
 * dialects differ, a migration gives both.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string | { sqlite: string; postgres: string };
}

/** Version 1, with the two types the dialects spell differently. */
function schemaV1(serialKey: string, bigInteger: string): string {
  return `
    CREATE TABLE stagecraft_allocations (project TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
      PRIMARY KEY (project, kind, key));
    CREATE TABLE stagecraft_releases (id TEXT PRIMARY KEY, project TEXT NOT NULL, created_at TEXT NOT NULL, status TEXT NOT NULL,
      spec_hash TEXT NOT NULL, images TEXT NOT NULL, reason TEXT);
    CREATE INDEX stagecraft_releases_project ON stagecraft_releases (project, created_at);
    CREATE TABLE stagecraft_backups (id TEXT PRIMARY KEY, project TEXT NOT NULL, service TEXT NOT NULL, path TEXT NOT NULL,
      bytes ${bigInteger} NOT NULL, sha256 TEXT NOT NULL, created_at TEXT NOT NULL, manifest TEXT NOT NULL, verified TEXT,
      verified_at TEXT, remote TEXT);
    CREATE INDEX stagecraft_backups_project ON stagecraft_backups (project, created_at);
    CREATE TABLE stagecraft_events (id ${serialKey}, at TEXT NOT NULL, project TEXT, kind TEXT NOT NULL,
      message TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX stagecraft_events_project ON stagecraft_events (project, id);`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'allocations, releases, backups, events',
    sql: {
      sqlite: schemaV1('INTEGER PRIMARY KEY AUTOINCREMENT', 'INTEGER'),
      postgres: schemaV1('BIGSERIAL PRIMARY KEY', 'BIGINT'),
    },
  },
  {
    version: 2,
    name: 'secrets kept in the database (PostgreSQL store only; files otherwise)',
    sql: 'CREATE TABLE stagecraft_secrets (project TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (project, name));',
  },
];
