import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { S3Client, s3ConfigFromRemote } from '../../src/drivers/s3/index.ts';
import { backupService } from '../../src/ops/backup/dump.ts';
import { pruneBackups } from '../../src/ops/backup/prune.ts';
import { restoreBackup } from '../../src/ops/backup/restore.ts';
import { backupProject } from '../../src/ops/backup/run.ts';
import { verifyRestore } from '../../src/ops/backup/verify.ts';
import type { Project } from '../../src/spec/index.ts';
import { docker } from '../support/docker-cli.ts';
import { type ProjectEnv, projectEnv } from '../support/project-env.ts';
import { startLocalS3 } from '../support/s3-server.ts';

/**
 * Backups against real containers: one project (a PostgreSQL with data and a worker that writes)
 * on the real engine, with its own names, subnets and ports so it never meets the demo.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-backup-'));
const backupDir = join(dir, 'backups');

const SPEC = `version: 1
environment: preview
server:
  host: local
  domain: bk.localhost
  capacity: { cpus: 2, memory: 4GiB }
  reserve: { cpus: 0.1, memory: 256MiB }
  images: local
  backupDir: ${backupDir}
network: { shared: 10.230.0.0/24, projects: 10.231.0.0/16, projectSize: 24 }
ports: { postgres: 25432, redis: 26379, rabbitmq: 25672, app: 28000 }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring:
    prometheus: { resources: { cpus: 0.1, memory: 128MiB } }
    grafana: false
    loki: false
    alertmanager: false
    cadvisor: false
projects:
  ledger:
    services:
      db:
        type: postgres
        exporter: false
        resources: { cpus: 0.3, memory: 256MiB }
        backup: { schedule: "0 2 * * *", keep: { daily: 2, weekly: 0, monthly: 0 } }
      writer:
        type: worker
        image: stagecraft/demo-app:1
        command: [sh, -c, "trap 'exit 0' TERM; while sleep 1; do :; done"]
        resources: { cpus: 0.05, memory: 32MiB }
        uses: [db]
`;

let env: ProjectEnv;
let ledger: Project;
let client: pg.Client | undefined;

/** A client of ledger's database on its published 127.0.0.1 port. */
async function connectDb(): Promise<pg.Client> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: env.plan.allocations.ledger!.ports.db,
    user: 'ledger',
    database: 'ledger',
    password: await env.secrets.ensureGenerated('ledger', 'DB_PASSWORD'),
  });
  await c.connect();
  return c;
}

async function sql(text: string): Promise<pg.QueryResultRow[]> {
  return (await client!.query(text)).rows;
}

function stagecraft(args: string[]) {
  const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('backups against a real PostgreSQL', { timeout: 600_000 }, () => {
  before(async () => {
    env = await projectEnv(dir, SPEC);
    ledger = env.spec.projects.find((p) => p.name === 'ledger')!;
    await env.destroy().catch(() => {});
    env = await projectEnv(dir, SPEC);
    await env.start('ledger');
    client = await connectDb();
    await sql('CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)');
    await sql("INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 1000) g");
    await sql('CREATE SCHEMA audit; CREATE TABLE audit.log (at timestamptz DEFAULT now(), what text)');
    await sql("INSERT INTO audit.log (what) VALUES ('one'), ('two')");
  });

  after(async () => {
    await client?.end().catch(() => {});
    await env?.destroy();
  });

  it('dumps a database with data atomically, with its checksum and manifest, and records it', async () => {
    const b = await backupService(env, ledger, 'db');
    assert.match(b.id, /^ledger-db-\d{8}T\d{6}Z$/);
    assert.equal(b.path, join(backupDir, 'ledger', `${b.id}.dump`));
    const bytes = readFileSync(b.path);
    assert.equal(bytes.length, b.bytes);
    assert.equal(bytes.subarray(0, 5).toString(), 'PGDMP', 'a custom-format dump');
    assert.equal(createHash('sha256').update(bytes).digest('hex'), b.sha256);
    assert.ok(!existsSync(`${b.path}.partial`), 'no temporary file is left');
    assert.deepEqual(b.manifest, { database: 'ledger', tables: { 'audit.log': 2, 'public.items': 1000 } });
    assert.match(readFileSync(`${b.path}.sha256`, 'utf8'), new RegExp(`^${b.sha256}  ${b.id}\\.dump`));
    const stored = await env.store.listBackups('ledger');
    assert.deepEqual(
      stored.map((x) => x.id),
      [b.id],
    );
    const events = await env.store.listEvents({ project: 'ledger', kind: 'backup' });
    assert.equal(events.length, 1);
  });

  it('verifies a backup by restoring it into a scratch database that is removed afterwards', async () => {
    const [b] = await env.store.listBackups('ledger');
    const v = await verifyRestore(env, ledger, b!);
    assert.equal(v.verdict, 'pass', v.detail);
    assert.equal((await env.store.listBackups('ledger'))[0]!.verified, 'pass');
    const left = docker('ps', '-a', '--format', '{{.Names}}');
    assert.doesNotMatch(left, /verify/, 'the scratch containers are gone');
    const nets = docker('network', 'ls', '--format', '{{.Name}}');
    assert.doesNotMatch(nets, /ledger-verify/, 'the scratch network is gone');
  });

  it('fails verification when one byte of the dump is flipped', async () => {
    const b = await backupService(env, ledger, 'db', new Date(Date.now() + 1000));
    const bytes = readFileSync(b.path);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(b.path, bytes);
    const v = await verifyRestore(env, ledger, b);
    assert.equal(v.verdict, 'fail');
    assert.match(v.detail, /checksum mismatch/);
    const stored = (await env.store.listBackups('ledger')).find((x) => x.id === b.id)!;
    assert.equal(stored.verified, 'fail');
    // Corrupt before the checksum was taken: the manifest comparison still catches a dump that lacks rows.
    const lying = {
      ...b,
      id: b.id,
      manifest: { database: 'ledger', tables: { 'audit.log': 2, 'public.items': 1001 } },
    };
    writeFileSync(
      b.path,
      readFileSync(join(backupDir, 'ledger', `${(await env.store.listBackups('ledger'))[0]!.id}.dump`)),
    );
    const good = (await env.store.listBackups('ledger'))[0]!;
    const v2 = await verifyRestore(env, ledger, { ...lying, sha256: good.sha256 });
    assert.equal(v2.verdict, 'fail');
    assert.match(v2.detail, /public\.items has 1000 rows, the manifest says 1001/);
  });

  it('restores rows deleted after the backup, stopping the writers and taking a safety backup first', async () => {
    const [first] = await env.store.listBackups('ledger');
    await sql('DELETE FROM items WHERE id > 10');
    await sql("INSERT INTO audit.log (what) VALUES ('after')");
    assert.equal((await sql('SELECT count(*)::int AS n FROM items'))[0]!.n, 10);
    await client!.end();
    client = undefined;
    const seen: string[] = [];
    const r = await restoreBackup(env, ledger, first!, (line) => seen.push(line));
    assert.deepEqual(r.writers, ['ledger-writer-1']);
    assert.ok(seen.some((l) => l.startsWith('stopping ledger-writer-1')));
    assert.equal(r.mismatch, '');
    assert.deepEqual((r.safety.manifest as { tables: object }).tables, {
      'audit.log': 3,
      'public.items': 10,
    });
    client = await connectDb();
    assert.equal((await sql('SELECT count(*)::int AS n FROM items'))[0]!.n, 1000);
    assert.equal((await sql('SELECT count(*)::int AS n FROM audit.log'))[0]!.n, 2);
    const writer = docker('inspect', '-f', '{{.State.Running}}', 'ledger-writer-1');
    assert.equal(writer, 'true', 'the writer runs again');
  });

  it('lists backups as JSON and refuses to restore without --yes off a terminal', () => {
    const list = stagecraft(['backups', 'ledger', '--json']);
    assert.equal(list.code, 0, list.err);
    const rows = JSON.parse(list.out) as { id: string; verified: string | null; bytes: number }[];
    assert.ok(rows.length >= 3);
    for (const r of rows) assert.ok(r.id && r.bytes > 0);
    const table = stagecraft(['backups', 'ledger']);
    assert.match(table.out, /ID\s+SIZE\s+AGE\s+VERIFIED/);
    const refused = stagecraft(['restore', 'ledger', '--from', rows[0]!.id]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /add --yes/);
    const unknown = stagecraft(['restore', 'ledger', '--from', 'nope', '--yes']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no backup nope of ledger/);
  });

  it('backs up and verifies through the CLI', () => {
    const b = stagecraft(['backup', 'ledger']);
    assert.equal(b.code, 0, b.err);
    assert.match(b.out, /✓ ledger-db-\d{8}T\d{6}Z/);
    const v = stagecraft(['verify-restore', 'ledger']);
    assert.equal(v.code, 0, v.err + v.out);
    assert.match(v.out, /✓ pass ledger-db-/);
  });
  it('prunes by keep, never the newest verified backup, and deletes the pruned files', async () => {
    const day = 86_400_000;
    const base = Date.now() + 10 * day;
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push(await backupService(env, ledger, 'db', new Date(base + i * day)));
    // Everything before the simulated days is older; the only verified 'pass' is the first backup.
    const removed = await pruneBackups(env, ledger);
    const left = (await env.store.listBackups('ledger')).map((b) => b.id);
    const newestVerified = (await env.store.listBackups('ledger'))
      .filter((b) => b.verified === 'pass')
      .at(-1);
    assert.ok(newestVerified, 'the verified backup survives');
    assert.deepEqual(
      left.filter((id) => id !== newestVerified.id),
      [taken[2]!.id, taken[3]!.id],
    );
    for (const b of removed) assert.ok(!existsSync(b.path), `${b.path} is deleted`);
    for (const id of left) assert.ok(existsSync(join(backupDir, 'ledger', `${id}.dump`)));
  });
  it('copies each backup to S3-compatible storage, checked after upload, pruned with the remote keep', async () => {
    const s3 = await startLocalS3('ledger-backups');
    try {
      await env.secrets.set('ledger', 'S3_KEY', s3.accessKey);
      await env.secrets.set('ledger', 'S3_SECRET', s3.secretKey);
      const remote = {
        url: 's3://ledger-backups/pg',
        endpoint: s3.endpoint,
        region: 'us-east-1',
        accessKey: { secret: 'S3_KEY' },
        secretKey: { secret: 'S3_SECRET' },
        keep: { daily: 1, weekly: 0, monthly: 0 },
      };
      const project = {
        ...ledger,
        services: ledger.services.map((s) =>
          s.type === 'postgres' && s.backup ? { ...s, backup: { ...s.backup, remote } } : s,
        ),
      } as Project;
      const day = 86_400_000;
      const base = Date.now() + 30 * day;
      const first = await backupProject(env, project, { now: new Date(base) });
      assert.deepEqual(first.failures, []);
      const [taken] = first.taken;
      assert.deepEqual(first.remote.uploaded, [`s3://ledger-backups/pg/${taken!.id}.dump`]);
      const client = new S3Client(
        s3ConfigFromRemote(remote, { accessKey: s3.accessKey, secretKey: s3.secretKey }),
      );
      const head = await client.headObject(`pg/${taken!.id}.dump`);
      assert.equal(head?.bytes, taken!.bytes);
      assert.equal(head?.metadata.sha256, taken!.sha256);
      const stored = (await env.store.listBackups('ledger')).find((b) => b.id === taken!.id)!;
      assert.equal((stored.remote as { url: string }).url, first.remote.uploaded[0]);
      const second = await backupProject(env, project, { now: new Date(base + day) });
      assert.deepEqual(second.remote.pruned, [`pg/${taken!.id}.dump`], 'the remote keeps one daily');
      const copy = join(dir, 'copy.dump');
      const got = await client.getObject(`pg/${second.taken[0]!.id}.dump`, copy);
      assert.equal(got.sha256, second.taken[0]!.sha256, 'the copy is the same bytes');
    } finally {
      await s3.stop();
    }
  });
});
