import type { Dialect } from './sql.ts';

/**
 * One schema change. `sql` is one text both dialects accept, or one per dialect where they differ
 * (an empty text: nothing to do in that dialect, but the version is still recorded, so both kinds
 * of store count versions alike). Released migrations are never edited: a change is a new version.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string | Record<Dialect, string>;
}

/** Version 1, with the two column types the dialects spell differently. */
function schemaV1(serialKey: string, bigInteger: string): string {
  return `
    CREATE TABLE stagecraft_allocations (
      project TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('subnet', 'port', 'address')),
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (project, kind, key)
    );
    CREATE TABLE stagecraft_releases (
      id TEXT PRIMARY KEY,
      project TEXT NOT NULL,
      created_at TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'rolled-back')),
      spec_hash TEXT NOT NULL,
      images TEXT NOT NULL,
      reason TEXT
    );
    CREATE INDEX stagecraft_releases_project ON stagecraft_releases (project, created_at);
    CREATE TABLE stagecraft_backups (
      id TEXT PRIMARY KEY,
      project TEXT NOT NULL,
      service TEXT NOT NULL,
      path TEXT NOT NULL,
      bytes ${bigInteger} NOT NULL,
      sha256 TEXT NOT NULL,
      created_at TEXT NOT NULL,
      manifest TEXT NOT NULL,
      verified TEXT CHECK (verified IN ('pass', 'fail')),
      verified_at TEXT,
      remote TEXT
    );
    CREATE INDEX stagecraft_backups_project ON stagecraft_backups (project, created_at);
    CREATE TABLE stagecraft_events (
      id ${serialKey},
      at TEXT NOT NULL,
      project TEXT,
      kind TEXT NOT NULL,
      message TEXT NOT NULL,
      data TEXT NOT NULL
    );
    CREATE INDEX stagecraft_events_project ON stagecraft_events (project, id);
    CREATE INDEX stagecraft_events_kind ON stagecraft_events (kind, id);`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'allocations, releases, backups and events',
    sql: {
      // AUTOINCREMENT: an event id is never reused, so ids stay in the order events happened.
      sqlite: schemaV1('INTEGER PRIMARY KEY AUTOINCREMENT', 'INTEGER'),
      postgres: schemaV1('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', 'BIGINT'),
    },
  },
  {
    version: 2,
    name: 'secret values (PostgreSQL store only; the SQLite store keeps them in files)',
    sql: {
      sqlite: '',
      postgres: `
        CREATE TABLE stagecraft_secrets (
          project TEXT NOT NULL,
          name TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (project, name)
        );`,
    },
  },
  {
    version: 3,
    name: 'releases keep the configuration they deployed (for rollback)',
    sql: 'ALTER TABLE stagecraft_releases ADD COLUMN config TEXT',
  },
  {
    version: 4,
    name: "API tokens (hashes only) and the audit log of the API's writes",
    sql: {
      sqlite: tokensAndAudit('INTEGER PRIMARY KEY AUTOINCREMENT'),
      postgres: tokensAndAudit('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY'),
    },
  },
  {
    version: 5,
    name: 'releases keep the image digests they ran (rollback runs them) and who deployed them',
    sql: `ALTER TABLE stagecraft_releases ADD COLUMN digests TEXT;
      ALTER TABLE stagecraft_releases ADD COLUMN actor TEXT;`,
  },
  {
    version: 6,
    name: "releases keep the deploy analysis' verdict and figures (verified, unverified, rolled back)",
    sql: 'ALTER TABLE stagecraft_releases ADD COLUMN analysis TEXT',
  },
  {
    version: 7,
    name: 'previews: per-branch copies of a project, with their images and expiry',
    sql: `CREATE TABLE stagecraft_previews (
        project TEXT NOT NULL,
        name TEXT NOT NULL,
        images TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (project, name)
      );`,
  },
];

/** Version 4: a token row keeps the SHA-256 of the secret part only; the token itself is printed once. */
function tokensAndAudit(serialKey: string): string {
  return `
    CREATE TABLE stagecraft_tokens (
      id TEXT PRIMARY KEY,
      user_name TEXT NOT NULL,
      hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    );
    CREATE INDEX stagecraft_tokens_user ON stagecraft_tokens (user_name);
    CREATE TABLE stagecraft_audit (
      id ${serialKey},
      at TEXT NOT NULL,
      user_name TEXT NOT NULL,
      project TEXT,
      action TEXT NOT NULL,
      result TEXT NOT NULL,
      detail TEXT NOT NULL
    );`;
}
