import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  MIGRATIONS,
  migrate,
  openPostgres,
  openSecretStore,
  openSqlite,
  openStore,
  resolveStateLocation,
  type StateStore,
} from '../../src/state/index.ts';
import { createDatabase, startPostgres } from '../support/postgres.ts';

let postgres: Awaited<ReturnType<typeof startPostgres>>;
let counter = 0;

before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.stop();
});

interface Backend {
  name: string;
  open(): Promise<{
    store: StateStore;
    reopen(): Promise<StateStore>;
    location: { path: string } | { databaseUrl: string };
  }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite file',
    async open() {
      const path = join(mkdtempSync(join(tmpdir(), 'stagecraft-state-')), 'state.db');
      return { store: await openStore({ path }), reopen: () => openStore({ path }), location: { path } };
    },
  },
  {
    name: 'real PostgreSQL',
    async open() {
      const databaseUrl = await createDatabase(postgres.url, `state_${process.pid}_${++counter}`);
      return {
        store: await openStore({ databaseUrl }),
        reopen: () => openStore({ databaseUrl }),
        location: { databaseUrl },
      };
    },
  },
];

for (const backend of backends) {
  describe(`state store on ${backend.name}`, () => {
    it('applies every migration once and records it', async () => {
      const { store, reopen } = await backend.open();
      assert.deepEqual(
        await store.appliedMigrations(),
        MIGRATIONS.map((m) => m.version),
      );
      await store.close();
      const again = await reopen();
      assert.deepEqual(
        await again.appliedMigrations(),
        MIGRATIONS.map((m) => m.version),
      );
      await again.close();
    });

    it('refuses a database newer than the code', async () => {
      const { store, location } = await backend.open();
      await store.close();
      const db = 'path' in location ? openSqlite(location.path) : await openPostgres(location.databaseUrl);
      await db.query(
        'INSERT INTO stagecraft_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        [999, 'future', 'x'],
      );
      await assert.rejects(migrate(db), /schema version 999, newer than this stagecraft knows/);
      await db.close();
    });

    it('replaces only the named projects’ allocations', async () => {
      const { store } = await backend.open();
      await store.recordAllocations(
        [
          { project: 'a', kind: 'port', key: 'web', value: '8000' },
          { project: 'b', kind: 'subnet', key: 'block', value: '172.20.16.0/20' },
        ],
        ['a', 'b'],
      );
      await store.recordAllocations([{ project: 'a', kind: 'port', key: 'web', value: '8001' }], ['a']);
      assert.deepEqual(await store.loadAllocations(), [
        { project: 'a', kind: 'port', key: 'web', value: '8001' },
        { project: 'b', kind: 'subnet', key: 'block', value: '172.20.16.0/20' },
      ]);
      await assert.rejects(
        store.recordAllocations([{ project: 'c', kind: 'port', key: 'x', value: '1' }], ['a']),
      );
      assert.equal((await store.loadAllocations()).length, 2, 'a failed record changes nothing');
      await store.forgetProject('b');
      assert.deepEqual(
        (await store.loadAllocations()).map((r) => r.project),
        ['a'],
      );
      await store.close();
    });

    it('keeps releases, backups and events', async () => {
      const { store } = await backend.open();
      await store.addRelease({
        id: 'r1',
        project: 'shop',
        createdAt: '2026-01-01T00:00:00Z',
        status: 'pending',
        specHash: 'h',
        images: { web: 'demo:1' },
        reason: null,
      });
      await store.updateRelease('r1', { status: 'failed', reason: 'health gate' });
      assert.deepEqual(await store.listReleases('shop'), [
        {
          id: 'r1',
          project: 'shop',
          createdAt: '2026-01-01T00:00:00Z',
          status: 'failed',
          specHash: 'h',
          images: { web: 'demo:1' },
          reason: 'health gate',
        },
      ]);
      const b = {
        id: 'b1',
        project: 'shop',
        service: 'db',
        path: '/x.dump',
        bytes: 5_000_000_000,
        sha256: 'abc',
        createdAt: '2026-01-02T00:00:00Z',
        manifest: { tables: { items: 3 } },
        verified: null,
        verifiedAt: null,
        remote: null,
      };
      await store.addBackup(b);
      await store.updateBackup('b1', { verified: 'pass', verifiedAt: '2026-01-03T00:00:00Z' });
      assert.deepEqual(await store.listBackups(), [
        { ...b, verified: 'pass', verifiedAt: '2026-01-03T00:00:00Z' },
      ]);
      const first = await store.addEvent({ project: 'shop', kind: 'up', message: 'started', data: { n: 1 } });
      const second = await store.addEvent({ project: null, kind: 'serve', message: 'tick', data: null });
      assert.ok(second > first);
      const events = await store.listEvents({ project: 'shop' });
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]!.data, { n: 1 });
      assert.equal((await store.listEvents({ limit: 1 }))[0]!.kind, 'serve');
      await store.close();
    });
  });
}

describe('secret store', () => {
  const stores = [
    {
      name: 'files',
      open: async () => {
        const dir = join(mkdtempSync(join(tmpdir(), 'stagecraft-secrets-')), 'secrets');
        return { dir, store: await openSecretStore({ dir }), reopen: () => openSecretStore({ dir }) };
      },
    },
    {
      name: 'real PostgreSQL',
      open: async () => {
        const databaseUrl = await createDatabase(postgres.url, `secrets_${process.pid}_${++counter}`);
        return {
          dir: undefined,
          store: await openSecretStore({ databaseUrl }),
          reopen: () => openSecretStore({ databaseUrl }),
        };
      },
    },
  ];
  for (const s of stores) {
    it(`${s.name}: set, list names only, generate once, refuse bad names without echoing values`, async () => {
      const { dir, store, reopen } = await s.open();
      await store.set('shop', 'API_TOKEN', 'tok-123-secret');
      assert.equal(await store.get('shop', 'API_TOKEN'), 'tok-123-secret');
      assert.equal(await store.has('shop', 'MISSING'), false);
      const list = await store.list();
      assert.deepEqual(list, [{ project: 'shop', name: 'API_TOKEN' }]);
      assert.doesNotMatch(JSON.stringify(list), /tok-123/);
      if (dir) {
        assert.equal(statSync(join(dir, 'shop', 'API_TOKEN')).mode & 0o777, 0o600);
        assert.equal(statSync(join(dir, 'shop')).mode & 0o777, 0o700);
        assert.equal(statSync(dir).mode & 0o777, 0o700);
      }
      const generated = await store.ensureGenerated('shop', 'DB_PASSWORD');
      assert.match(generated, /^[A-Za-z0-9]{32}$/);
      await store.close();
      const again = await reopen();
      assert.equal(await again.ensureGenerated('shop', 'DB_PASSWORD'), generated);
      await assert.rejects(
        again.set('../etc', 'X', 'value-that-must-not-leak'),
        (e: Error) => !e.message.includes('value-that-must-not-leak') && /not a project name/.test(e.message),
      );
      await assert.rejects(
        again.set('shop', 'bad name', 'value-that-must-not-leak'),
        (e: Error) => !e.message.includes('value-that-must-not-leak'),
      );
      await again.delete('shop', 'API_TOKEN');
      assert.equal(await again.get('shop', 'API_TOKEN'), undefined);
      await again.close();
    });
  }
});

describe('where the state lives', () => {
  it('follows spec.md: URL, then --state, then STAGECRAFT_STATE, then beside the spec', () => {
    assert.deepEqual(
      resolveStateLocation({
        specPath: '/srv/x/staging.yaml',
        env: { STAGECRAFT_DATABASE_URL: 'postgres://h/db' },
        stateFlag: '/tmp/s.db',
      }),
      { databaseUrl: 'postgres://h/db' },
    );
    assert.deepEqual(
      resolveStateLocation({
        specPath: '/srv/x/staging.yaml',
        env: { STAGECRAFT_STATE: '/tmp/e.db' },
        stateFlag: '/tmp/s.db',
      }),
      { path: '/tmp/s.db' },
    );
    assert.deepEqual(
      resolveStateLocation({ specPath: '/srv/x/staging.yaml', env: { STAGECRAFT_STATE: '/tmp/e.db' } }),
      { path: '/tmp/e.db' },
    );
    assert.deepEqual(resolveStateLocation({ specPath: '/srv/x/staging.yaml', env: {} }), {
      path: '/srv/x/.stagecraft/state.db',
    });
  });
});
