import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ICronJob } from 'kubernetes-models/batch/v1';
import type { IContainer } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { renderKubernetes } from '../../src/render/k8s/index.ts';
import { exampleContext } from '../support/render.ts';

/**
 * The backup and restore-check CronJobs of the Kubernetes target, run as their pods would run on
 * the real engine: the rendered containers (command and plain environment as rendered; the secret
 * the cluster would inject given here) in the local PostgreSQL image, the claim a folder, the
 * restore check's scratch database reachable only through the socket folder it shares with the check.
 */
const IMAGE = 'stagecraft/postgresql:15';
const PREFIX = 'sc-k8s-backup-test';
const NETWORK = `${PREFIX}-net`;
const SOURCE = `${PREFIX}-source`;
const PASSWORD = 'k8s-backup-test-password';
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-k8s-backup-pods-'));
const folder = (name: string) => {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o777);
  return path;
};

function docker(...args: string[]) {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

function cleanup() {
  for (const name of [SOURCE, `${PREFIX}-scratch`, `${PREFIX}-scratch-2`]) docker('rm', '-f', '-v', name);
  docker('network', 'rm', NETWORK);
}

const cronJobs = new Map<string, ICronJob>();
const containerOf = (job: string, name: string): IContainer => {
  const pod = cronJobs.get(job)!.spec!.jobTemplate.spec!.template.spec!;
  const c = [...(pod.initContainers ?? []), ...pod.containers].find((x) => x.name === name);
  assert.ok(c, `${job} has a container ${name}`);
  return c;
};
/** `-e NAME=value` for each plain variable, and the secrets the cluster would inject. */
const envArgs = (c: IContainer, secrets: Record<string, string> = {}) =>
  [
    ...(c.env ?? []).filter((e) => e.value !== undefined).map((e) => `${e.name}=${e.value}`),
    ...Object.entries(secrets).map(([k, v]) => `${k}=${v}`),
  ].flatMap((e) => ['-e', e]);
/** The kubelet turns `$$(` back into `$(` in commands. */
const commandOf = (c: IContainer) => (c.command ?? []).map((w) => w.replaceAll('$$(', '$('));

before(() => {
  cleanup();
  const artifact = renderKubernetes(exampleContext('demo')).find((a) =>
    a.path.endsWith('base/projects/shop/service-db.yaml'),
  );
  assert.ok(artifact);
  for (const doc of parseAllDocuments(artifact.content)) {
    const o = doc.toJSON() as ICronJob;
    if (o?.kind === 'CronJob') cronJobs.set(o.metadata!.name!, o);
  }
  assert.deepEqual([...cronJobs.keys()].sort(), ['db-backup', 'db-restore-check']);
  const backup = containerOf('db-backup', 'backup');
  const plain = Object.fromEntries((backup.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(docker('network', 'create', NETWORK).code, 0);
  const started = docker(
    'run',
    '-d',
    '--name',
    SOURCE,
    '--network',
    NETWORK,
    '-e',
    `POSTGRES_PASSWORD=${PASSWORD}`,
    '-e',
    `POSTGRES_USER=${plain.PGUSER}`,
    '-e',
    `POSTGRES_DB=${plain.PGDATABASE}`,
    IMAGE,
  );
  assert.equal(started.code, 0, started.err);
  const deadline = Date.now() + 60_000;
  while (docker('exec', SOURCE, 'pg_isready', '-q', '-h', '127.0.0.1').code !== 0) {
    assert.ok(Date.now() < deadline, 'the source database did not start within 60 s');
    spawnSync('sleep', ['0.5']);
  }
  const sql = `CREATE TABLE orders (id int); INSERT INTO orders SELECT generate_series(1, 250);
    CREATE SCHEMA shop; CREATE TABLE shop.items (name text); INSERT INTO shop.items VALUES ('a'), ('b'), ('c');`;
  const seeded = docker(
    'exec',
    SOURCE,
    'psql',
    '-h',
    '/var/run/postgresql',
    '-U',
    plain.PGUSER!,
    '-d',
    plain.PGDATABASE!,
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    sql,
  );
  assert.equal(seeded.code, 0, seeded.err);
});

after(() => {
  cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Kubernetes backup pods, on the real engine', () => {
  const backups = folder('claim');

  it('the backup CronJob’s container dumps the database into the claim with its checksum and manifest', () => {
    const c = containerOf('db-backup', 'backup');
    const r = docker(
      'run',
      '--rm',
      '--network',
      NETWORK,
      '--entrypoint',
      '',
      ...envArgs(c, { POSTGRES_PASSWORD: PASSWORD }),
      '-e',
      `PGHOST=${SOURCE}`,
      '-v',
      `${backups}:/backups`,
      '-v',
      `${folder('tmp')}:/tmp`,
      '-v',
      `${folder('work')}:/work`,
      IMAGE,
      ...commandOf(c),
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^table public\.orders 250$/m);
    assert.match(r.out, /^table shop\.items 3$/m);
    const files = readdirSync(backups).sort();
    assert.equal(files.length, 3, files.join(' '));
    assert.match(files[0]!, /^shop-db-\d{8}T\d{6}Z\.dump$/);
  });

  /** The restore-check pod: its scratch sidecar, then the check, sharing only the socket folder. */
  function restoreCheck(scratchName: string) {
    const scratch = containerOf('db-restore-check', 'scratch');
    const socket = folder(`${scratchName}-socket`);
    const s = docker(
      'run',
      '-d',
      '--name',
      scratchName,
      '--network',
      'none',
      '--entrypoint',
      '',
      ...envArgs(scratch),
      '-v',
      `${socket}:/var/run/postgresql`,
      IMAGE,
      ...commandOf(scratch),
    );
    assert.equal(s.code, 0, s.err);
    const check = containerOf('db-restore-check', 'restore-check');
    return docker(
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      '',
      ...envArgs(check),
      '-v',
      `${backups}:/backups:ro`,
      '-v',
      `${folder(`${scratchName}-work`)}:/work`,
      '-v',
      `${socket}:/var/run/postgresql`,
      IMAGE,
      ...commandOf(check),
    );
  }

  it('the restore-check CronJob’s pod restores the newest dump into its scratch database and finds every row', () => {
    const r = restoreCheck(`${PREFIX}-scratch`);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^verified shop-db-\d{8}T\d{6}Z: 2 tables, every row count as backed up$/m);
  });

  it('a dump that is not the one backed up fails the check, saying so', () => {
    const dump = readdirSync(backups).find((f) => f.endsWith('.dump'))!;
    appendFileSync(join(backups, dump), 'x');
    const r = restoreCheck(`${PREFIX}-scratch-2`);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /checksum mismatch: shop-db-\d{8}T\d{6}Z\.dump is not the file that was backed up/);
  });
});
