/**
 * The two backends every state test runs against: a real SQLite file in a temp dir, and a real
 * PostgreSQL (test/support/postgres.ts), started on first use and stopped after the file's tests.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import {
  openStore,
  type SecretLocation,
  type StateLocation,
  type StateStore,
} from '../../src/state/index.ts';
import { openPostgres } from '../../src/state/postgres.ts';
import type { Database } from '../../src/state/sql.ts';
import { openSqlite } from '../../src/state/sqlite.ts';
import { createSchema, startPostgres, type TestPostgres } from '../support/postgres.ts';

export interface Backend {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** A new, empty state store location. */
  freshState(): Promise<StateLocation>;
  /** A new, empty secret store location. */
  freshSecrets(): Promise<SecretLocation>;
  /** The database under a state location, without migrations, to look at or tamper with. */
  raw(location: StateLocation): Promise<Database>;
  /** PostgreSQL only: the test cluster's URL (its `postgres` database, default schema). */
  clusterUrl(): Promise<string>;
}

/** Both backends, with hooks that clean up after this test file. */
export function useBackends(): Backend[] {
  let root: string | undefined;
  let cluster: Promise<TestPostgres> | undefined;
  let n = 0;
  const temp = (what: string) => {
    root ??= mkdtempSync(join(tmpdir(), 'stagecraft-state-test-'));
    const dir = join(root, `${what}-${++n}`);
    mkdirSync(dir);
    return dir;
  };
  /** The cluster's URL, starting it on first use. */
  const clusterUrl = async () => {
    cluster ??= startPostgres();
    return (await cluster).url;
  };
  // Each store gets a schema of its own: as separate as a database, and far quicker to make.
  const postgres = async () => createSchema(await clusterUrl());
  after(async () => {
    if (cluster) await (await cluster).stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });
  const raw = async (location: StateLocation) =>
    'path' in location ? openSqlite(location.path) : openPostgres(location.databaseUrl);
  return [
    {
      name: 'SQLite',
      freshState: async () => ({ path: join(temp('state'), '.stagecraft', 'state.db') }),
      freshSecrets: async () => ({ dir: join(temp('secrets'), '.stagecraft', 'secrets') }),
      raw,
      clusterUrl: () => Promise.reject(new Error('no cluster for SQLite')),
    },
    {
      name: 'PostgreSQL',
      freshState: async () => ({ databaseUrl: await postgres() }),
      freshSecrets: async () => ({ databaseUrl: await postgres() }),
      raw,
      clusterUrl,
    },
  ];
}

/** Runs `test` on a fresh, migrated store of the backend, and closes it after. */
export function withFreshStore(backend: Backend) {
  return async (test: (store: StateStore) => Promise<void>): Promise<void> => {
    const store = await openStore(await backend.freshState());
    try {
      await test(store);
    } finally {
      await store.close();
    }
  };
}
