import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import {
  type AllocationRecord,
  type BackupRecord,
  openStore,
  type ReleaseAnalysis,
  type ReleaseRecord,
} from '../../src/state/index.ts';
import { createDatabase, createSchema } from '../support/postgres.ts';
import { type Backend, useBackends, withFreshStore } from './backends.ts';

/** A loopback port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const port = (project: string, key: string, value: string): AllocationRecord => ({
  project,
  kind: 'port',
  key,
  value,
});

function storeSuite(backend: Backend): void {
  const withStore = withFreshStore(backend);

  it(`reports its kind`, () =>
    withStore(async (store) => {
      assert.equal(store.kind, backend.name === 'SQLite' ? 'sqlite' : 'postgres');
    }));

  it('allocations round-trip, ordered by project, kind and key', () =>
    withStore(async (store) => {
      const rows: AllocationRecord[] = [
        port('shop', 'web', '8001'),
        { project: 'blog', kind: 'subnet', key: 'internal', value: '172.20.16.0/21' },
        port('blog', 'web-1', '8000'),
        { project: 'blog', kind: 'address', key: 'web-1', value: '172.20.16.10' },
        port('blog', 'db', '5432'),
      ];
      await store.recordAllocations(rows, ['shop', 'blog']);
      assert.deepEqual(await store.loadAllocations(), [
        { project: 'blog', kind: 'address', key: 'web-1', value: '172.20.16.10' },
        port('blog', 'db', '5432'),
        port('blog', 'web-1', '8000'),
        { project: 'blog', kind: 'subnet', key: 'internal', value: '172.20.16.0/21' },
        port('shop', 'web', '8001'),
      ]);
    }));

  it('recordAllocations replaces the named projects’ rows and leaves the others alone', () =>
    withStore(async (store) => {
      await store.recordAllocations(
        [
          port('a', 'web', '8000'),
          port('a', 'worker', '8001'),
          port('b', 'web', '8002'),
          port('c', 'web', '8003'),
        ],
        ['a', 'b', 'c'],
      );
      await store.recordAllocations([port('a', 'web', '8010')], ['a', 'b']);
      assert.deepEqual(await store.loadAllocations(), [port('a', 'web', '8010'), port('c', 'web', '8003')]);
    }));

  it('a row of a project not being recorded is refused, and nothing changes', () =>
    withStore(async (store) => {
      await store.recordAllocations([port('a', 'web', '8000')], ['a']);
      await assert.rejects(
        store.recordAllocations([port('a', 'web', '9000'), port('z', 'web', '9001')], ['a']),
        /allocation of project "z" is not among the projects being recorded/,
      );
      assert.deepEqual(await store.loadAllocations(), [port('a', 'web', '8000')]);
    }));

  it('recordAllocations is one transaction: a failure half-way keeps the old rows', () =>
    withStore(async (store) => {
      await store.recordAllocations([port('a', 'web', '8000')], ['a']);
      // The same key twice: the second insert fails after the delete and the first insert ran.
      await assert.rejects(
        store.recordAllocations([port('a', 'web', '9000'), port('a', 'web', '9001')], ['a']),
      );
      assert.deepEqual(await store.loadAllocations(), [port('a', 'web', '8000')]);
    }));

  it('an allocation of an unknown kind is refused', () =>
    withStore(async (store) => {
      const bad = { project: 'a', kind: 'volume', key: 'x', value: 'y' } as unknown as AllocationRecord;
      await assert.rejects(
        store.recordAllocations([bad], ['a']),
        /kind "volume" is not subnet, port or address/,
      );
      assert.deepEqual(await store.loadAllocations(), []);
    }));

  it('forgetProject drops that project’s allocations only', () =>
    withStore(async (store) => {
      await store.recordAllocations([port('a', 'web', '8000'), port('b', 'web', '8001')], ['a', 'b']);
      await store.forgetProject('a');
      assert.deepEqual(await store.loadAllocations(), [port('b', 'web', '8001')]);
    }));

  it('releases round-trip, update, filter by project and come oldest first', () =>
    withStore(async (store) => {
      const r2: ReleaseRecord = {
        id: 'shop-2',
        project: 'shop',
        createdAt: '2026-02-01T00:00:00.000Z',
        status: 'pending',
        specHash: 'sha256:bbb',
        images: { web: 'registry.test/shop:2', worker: 'registry.test/shop-worker:2' },
        reason: null,
      };
      const r1: ReleaseRecord = {
        ...r2,
        id: 'shop-1',
        createdAt: '2026-01-01T00:00:00.000Z',
        status: 'succeeded',
        // What rollback puts back: kept as data, returned as it was given.
        config: { services: { 'web-1': { image: 'registry.test/shop:1' } }, networks: {} },
      };
      const other: ReleaseRecord = { ...r2, id: 'blog-1', project: 'blog', images: {} };
      await store.addRelease(r2);
      await store.addRelease(r1);
      await store.addRelease(other);
      await store.updateRelease('shop-2', {
        status: 'failed',
        reason: 'health gate: web not healthy in 60s',
      });
      const analysis: ReleaseAnalysis = {
        verdict: 'rolled-back',
        from: '2026-01-01T00:01:00.000Z',
        to: '2026-01-01T00:01:15.000Z',
        thresholds: { window: '15s', errorRate: 0.1, latencyP95: 2, minRequests: 20 },
        apps: [{ service: 'web', requests: 120, errors: 60, errorRate: 0.5, latencyP95: 0.01 }],
        breaches: ['web: 50% of 120 requests failed (above 10%)'],
      };
      await store.updateRelease('shop-1', { status: 'rolled-back', analysis });
      assert.deepEqual(await store.listReleases('shop'), [
        { ...r1, status: 'rolled-back', analysis },
        { ...r2, status: 'failed', reason: 'health gate: web not healthy in 60s' },
      ]);
      assert.deepEqual(
        (await store.listReleases()).map((r) => r.id),
        ['shop-1', 'blog-1', 'shop-2'],
      );
      await assert.rejects(store.updateRelease('nope', { status: 'failed' }), /no release with id "nope"/);
      await assert.rejects(store.updateRelease('nope', {}), /no release with id "nope"/);
      await assert.rejects(store.addRelease(r1), 'an id is unique');
      await assert.rejects(
        store.addRelease({ ...r1, id: 'x', status: 'done' as never }),
        'status is checked',
      );
    }));

  it('backups round-trip, update, filter, delete', () =>
    withStore(async (store) => {
      const b: BackupRecord = {
        id: 'b1',
        project: 'shop',
        service: 'db',
        path: '/var/backups/shop/db-20260101.dump',
        bytes: 5_000_000_123,
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        createdAt: '2026-01-01T03:00:00.000Z',
        manifest: { tables: { items: 3, orders: 0 }, format: 'custom', extensions: ['pgcrypto'] },
        verified: null,
        verifiedAt: null,
        remote: null,
      };
      const b0: BackupRecord = {
        ...b,
        id: 'b0',
        createdAt: '2025-12-31T03:00:00.000Z',
        bytes: 0,
        manifest: [],
      };
      const blog: BackupRecord = { ...b, id: 'b2', project: 'blog' };
      await store.addBackup(b);
      await store.addBackup(b0);
      await store.addBackup(blog);
      assert.deepEqual(await store.listBackups('shop'), [b0, b]);

      const remote = { url: 's3://backups/shop/db-20260101.dump', etag: '"abc"' };
      await store.updateBackup('b1', { verified: 'pass', verifiedAt: '2026-01-01T04:00:00.000Z', remote });
      await store.updateBackup('b0', { verified: 'fail', verifiedAt: '2026-01-01T04:00:00.000Z' });
      assert.deepEqual(await store.listBackups('shop'), [
        { ...b0, verified: 'fail', verifiedAt: '2026-01-01T04:00:00.000Z' },
        { ...b, verified: 'pass', verifiedAt: '2026-01-01T04:00:00.000Z', remote },
      ]);
      await store.updateBackup('b1', { remote: null, path: '/elsewhere.dump' });
      assert.deepEqual(
        (await store.listBackups('shop')).find((x) => x.id === 'b1'),
        { ...b, verified: 'pass', verifiedAt: '2026-01-01T04:00:00.000Z', path: '/elsewhere.dump' },
      );
      assert.deepEqual(
        (await store.listBackups()).map((x) => x.id),
        ['b0', 'b1', 'b2'],
      );
      assert.equal(await store.deleteBackup('b0'), true);
      assert.equal(await store.deleteBackup('b0'), false);
      assert.deepEqual(
        (await store.listBackups()).map((x) => x.id),
        ['b1', 'b2'],
      );
      await assert.rejects(store.updateBackup('b0', { verified: 'pass' }), /no backup with id "b0"/);
      await assert.rejects(
        store.addBackup({ ...b, id: 'b9', verified: 'maybe' as never }),
        'verdict is checked',
      );
    }));

  it('events round-trip with increasing ids, newest first, filtered and limited', () =>
    withStore(async (store) => {
      const before = new Date().toISOString();
      const e1 = await store.addEvent({
        project: 'shop',
        kind: 'deploy',
        message: 'release shop-1',
        data: { images: { web: 'x:1' } },
      });
      const e2 = await store.addEvent({ project: null, kind: 'serve', message: 'listening' });
      const e3 = await store.addEvent({
        project: 'shop',
        kind: 'backup',
        message: 'db backed up',
        data: [1, 'two', null],
        at: '2026-01-01T00:00:00.000Z',
      });
      const e4 = await store.addEvent({
        project: 'blog',
        kind: 'deploy',
        message: 'release blog-1',
        data: 'text',
      });
      assert.ok(e1.id < e2.id && e2.id < e3.id && e3.id < e4.id, 'ids increase');
      assert.ok(e1.at >= before && !Number.isNaN(Date.parse(e1.at)), 'at defaults to now');
      assert.deepEqual(e3, {
        id: e3.id,
        at: '2026-01-01T00:00:00.000Z',
        project: 'shop',
        kind: 'backup',
        message: 'db backed up',
        data: [1, 'two', null],
      });
      assert.deepEqual(await store.listEvents(), [e4, e3, e2, e1]);
      assert.deepEqual(e2.project, null);
      assert.deepEqual(e2.data, null);
      assert.deepEqual(await store.listEvents({ project: 'shop' }), [e3, e1]);
      assert.deepEqual(await store.listEvents({ kind: 'deploy' }), [e4, e1]);
      assert.deepEqual(await store.listEvents({ project: 'shop', kind: 'deploy' }), [e1]);
      assert.deepEqual(await store.listEvents({ limit: 2 }), [e4, e3]);
      assert.deepEqual(await store.listEvents({ limit: 0 }), []);
      await assert.rejects(store.listEvents({ limit: 1.5 }), /limit must be a whole number/);
    }));

  it('previews round-trip; saving again replaces images and expiry, keeps the creation time', () =>
    withStore(async (store) => {
      const first = {
        project: 'shop',
        name: 'feat-login',
        images: { web: 'shop-web:1' },
        createdAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-01-04T00:00:00.000Z',
      };
      await store.savePreview(first);
      await store.savePreview({ ...first, project: 'blog', name: 'b', images: {} });
      await store.savePreview({
        ...first,
        images: { web: 'shop-web:2' },
        createdAt: '2026-01-02T00:00:00.000Z',
        expiresAt: '2026-01-05T00:00:00.000Z',
      });
      assert.deepEqual(await store.listPreviews('shop'), [
        { ...first, images: { web: 'shop-web:2' }, expiresAt: '2026-01-05T00:00:00.000Z' },
      ]);
      assert.deepEqual(
        (await store.listPreviews()).map((p) => `${p.project}/${p.name}`),
        ['blog/b', 'shop/feat-login'],
      );
      assert.equal(await store.deletePreview('shop', 'feat-login'), true);
      assert.equal(await store.deletePreview('shop', 'feat-login'), false);
      assert.deepEqual(await store.listPreviews('shop'), []);
    }));

  it('what is recorded is there after reopening', async () => {
    const location = await backend.freshState();
    const store = await openStore(location);
    await store.recordAllocations([port('a', 'web', '8000')], ['a']);
    await store.addEvent({ project: 'a', kind: 'up', message: 'converged' });
    await store.close();
    const again = await openStore(location);
    try {
      assert.deepEqual(await again.loadAllocations(), [port('a', 'web', '8000')]);
      assert.deepEqual(
        (await again.listEvents()).map((e) => e.message),
        ['converged'],
      );
    } finally {
      await again.close();
    }
  });

  it('two stores on one database, writing at once, both get through', async () => {
    const location = await backend.freshState();
    const [one, two] = await Promise.all([openStore(location), openStore(location)]);
    try {
      await Promise.all([
        one.recordAllocations([port('a', 'web', '8000')], ['a']),
        two.recordAllocations([port('b', 'web', '8001')], ['b']),
        one.addEvent({ project: 'a', kind: 'k', message: 'one' }),
        two.addEvent({ project: 'b', kind: 'k', message: 'two' }),
      ]);
      assert.deepEqual(await one.loadAllocations(), [port('a', 'web', '8000'), port('b', 'web', '8001')]);
      assert.equal((await two.listEvents()).length, 2);
    } finally {
      await Promise.all([one!.close(), two!.close()]);
    }
  });
}

describe('state store', () => {
  const backends = useBackends();
  for (const backend of backends) describe(`on ${backend.name}`, () => storeSuite(backend));

  describe('SQLite file specifics', () => {
    const sqlite = backends.find((b) => b.name === 'SQLite')!;

    it('creates the parent directories, uses WAL mode and a busy timeout', async () => {
      const location = await sqlite.freshState();
      assert.ok('path' in location);
      assert.equal(existsSync(dirname(location.path)), false);
      await (await openStore(location)).close();
      assert.equal(existsSync(location.path), true);
      const db = await sqlite.raw(location);
      try {
        assert.deepEqual({ ...(await db.query('PRAGMA journal_mode'))[0] }, { journal_mode: 'wal' });
        assert.deepEqual({ ...(await db.query('PRAGMA busy_timeout'))[0] }, { timeout: 5000 });
      } finally {
        await db.close();
      }
    });

    it('a file that is not a database is reported with its path', async () => {
      const location = await sqlite.freshState();
      assert.ok('path' in location);
      mkdirSync(dirname(location.path), { recursive: true });
      writeFileSync(location.path, 'this is not a database, and it is long enough to have a header');
      await assert.rejects(openStore(location), (e: Error) => e.message.includes(location.path));
    });
  });

  describe('PostgreSQL specifics', () => {
    const postgres = backends.find((b) => b.name === 'PostgreSQL')!;

    it('a database’s default schema holds a store, and each schema is a store of its own', async () => {
      const databaseUrl = await createDatabase(await postgres.clusterUrl());
      const inDatabase = await openStore({ databaseUrl });
      const inSchema = await openStore({ databaseUrl: await createSchema(databaseUrl) });
      try {
        await inDatabase.recordAllocations([port('a', 'web', '8000')], ['a']);
        await inSchema.recordAllocations([port('b', 'web', '9000')], ['b']);
        assert.deepEqual(await inDatabase.loadAllocations(), [port('a', 'web', '8000')]);
        assert.deepEqual(await inSchema.loadAllocations(), [port('b', 'web', '9000')]);
      } finally {
        await Promise.all([inDatabase.close(), inSchema.close()]);
      }
      const db = await postgres.raw({ databaseUrl });
      try {
        const tables = await db.query(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
        );
        assert.deepEqual(
          tables.map((t) => t.table_name),
          [
            'stagecraft_allocations',
            'stagecraft_audit',
            'stagecraft_backups',
            'stagecraft_events',
            'stagecraft_previews',
            'stagecraft_releases',
            'stagecraft_schema_migrations',
            'stagecraft_secrets',
            'stagecraft_tokens',
          ],
        );
      } finally {
        await db.close();
      }
    });

    it('a server that cannot be reached is reported without the URL’s password', async () => {
      const url = new URL(await postgres.clusterUrl());
      url.port = String(await closedPort());
      url.password = 'hunter2-secret';
      await assert.rejects(openStore({ databaseUrl: url.toString() }), (e: Error) => {
        assert.match(
          e.message,
          /^cannot reach the PostgreSQL state store postgres:\/\/postgres:…@127\.0\.0\.1:\d+\/postgres: /,
        );
        assert.doesNotMatch(e.message, /hunter2/);
        return true;
      });
    });
  });

  it('needs a path or a URL', async () => {
    await assert.rejects(openStore({}), /needs a file path or a database URL/);
  });
});
