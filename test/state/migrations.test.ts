import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MIGRATIONS,
  type Migration,
  openSecretStore,
  openStore,
  SchemaTooNew,
} from '../../src/state/index.ts';
import { appliedMigrations, checkMigrations, migrate } from '../../src/state/migrate.ts';
import { type Backend, useBackends } from './backends.ts';

const versions = MIGRATIONS.map((m) => m.version);
const newest = versions.at(-1)!;

function migrationSuite(backend: Backend): void {
  it('a new store gets every migration, each recorded once with its name and time', async () => {
    const location = await backend.freshState();
    const before = new Date().toISOString();
    const store = await openStore(location);
    const applied = await store.appliedMigrations();
    await store.close();
    assert.deepEqual(
      applied.map(({ version, name }) => ({ version, name })),
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    for (const a of applied) assert.ok(a.appliedAt >= before, `${a.appliedAt} is when it was applied`);
  });

  it('opening again applies nothing', async () => {
    const location = await backend.freshState();
    const first = await openStore(location);
    const applied = await first.appliedMigrations();
    await first.close();
    const second = await openStore(location);
    assert.deepEqual(await second.appliedMigrations(), applied, 'same rows, same times');
    await second.close();
    const db = await backend.raw(location);
    try {
      assert.deepEqual(await migrate(db), []);
      const rows = await db.query('SELECT version FROM stagecraft_schema_migrations');
      assert.equal(rows.length, MIGRATIONS.length);
    } finally {
      await db.close();
    }
  });

  it('an older store is brought up to date at open, keeping its data', async () => {
    const location = await backend.freshState();
    const db = await backend.raw(location);
    assert.deepEqual(await migrate(db, MIGRATIONS.slice(0, 1)), [1]);
    await db.query(
      "INSERT INTO stagecraft_allocations (project, kind, key, value) VALUES ('shop', 'port', 'web', '8000')",
    );
    await db.close();
    const store = await openStore(location);
    assert.deepEqual(
      (await store.appliedMigrations()).map((a) => a.version),
      versions,
    );
    assert.deepEqual(await store.loadAllocations(), [
      { project: 'shop', kind: 'port', key: 'web', value: '8000' },
    ]);
    await store.close();
  });

  it('a store at a newer version than this code is refused, and left as it was', async () => {
    const location = await backend.freshState();
    await (await openStore(location)).close();
    let db = await backend.raw(location);
    await db.query('INSERT INTO stagecraft_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
      newest + 7,
      'from the future',
      '2099-01-01T00:00:00.000Z',
    ]);
    await db.close();

    await assert.rejects(openStore(location), (e: Error) => {
      assert.ok(e instanceof SchemaTooNew);
      assert.equal(
        e.message,
        `the state store is at schema version ${newest + 7}, newer than this stagecraft knows (${newest}): ` +
          'upgrade stagecraft, or point it at another store',
      );
      return true;
    });
    if ('databaseUrl' in location)
      await assert.rejects(openSecretStore({ databaseUrl: location.databaseUrl }), SchemaTooNew);

    db = await backend.raw(location);
    try {
      assert.deepEqual(
        (await appliedMigrations(db)).map((a) => a.version),
        [...versions, newest + 7],
      );
    } finally {
      await db.close();
    }
  });

  it('a migration that fails leaves nothing behind: all pending migrations share one transaction', async () => {
    const location = await backend.freshState();
    const db = await backend.raw(location);
    try {
      const broken: Migration = {
        version: newest + 1,
        name: 'broken',
        sql: 'CREATE TABLE stagecraft_probe (a TEXT); CREATE TABLE stagecraft_probe (a TEXT);',
      };
      await assert.rejects(
        migrate(db, [...MIGRATIONS, broken]),
        /migration \d+ \(broken\) failed: .*stagecraft_probe/,
      );
      assert.deepEqual(await appliedMigrations(db), []);
      await assert.rejects(db.query('SELECT * FROM stagecraft_allocations'), /stagecraft_allocations/);
    } finally {
      await db.close();
    }
  });

  it('stores opened at the same time on a new database migrate it once', async () => {
    const location = await backend.freshState();
    const stores = await Promise.all([openStore(location), openStore(location), openStore(location)]);
    const applied = await stores[0]!.appliedMigrations();
    await Promise.all(stores.map((s) => s.close()));
    assert.deepEqual(
      applied.map((a) => a.version),
      versions,
    );
  });
}

describe('migrations', () => {
  for (const backend of useBackends()) describe(`on ${backend.name}`, () => migrationSuite(backend));

  it('the list itself is in order, and a list out of order is refused', () => {
    assert.doesNotThrow(() => checkMigrations(MIGRATIONS));
    const m = (version: number): Migration => ({ version, name: `m${version}`, sql: 'SELECT 1' });
    assert.throws(() => checkMigrations([m(1), m(3), m(2)]), /versions must increase: 2 comes after 3/);
    assert.throws(() => checkMigrations([m(1), m(1)]), /versions must increase: 1 comes after 1/);
    assert.throws(() => checkMigrations([m(0)]), /versions must increase: 0 comes after 0/);
    assert.throws(() => checkMigrations([{ ...m(1), name: ' ' }]), /migration 1 has no name/);
  });
});
