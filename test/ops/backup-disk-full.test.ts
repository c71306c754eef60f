import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { metricsFacts } from '../../src/ops/metrics.ts';
import { scheduledJobs } from '../../src/ops/schedule.ts';
import { loadSpecText } from '../../src/spec/index.ts';
import { openStore } from '../../src/state/index.ts';
import { FaultEnv } from '../support/fault-env.ts';

const P = 'bshop';
// The backup folder: a 1 MiB tmpfs, room for a small dump and not for a big one.
const disk = mkdtempSync(join(tmpdir(), 'stagecraft-full-disk-'));
const env = new FaultEnv({
  project: P,
  slot: 2,
  serverLines: [`backupDir: ${disk}`],
  dbExtra: 'backup: { schedule: "0 3 * * *" }',
});
const files = () => readdirSync(join(disk, P)).sort();
const ROWS = 30;

/** What the backup alerts read (the last success and whether the last run failed), from the state. */
async function backupFacts() {
  const text = readFileSync(join(env.dir, 'staging.yaml'), 'utf8');
  const { spec } = loadSpecText('staging.yaml', text, {});
  const store = await openStore({ path: join(env.dir, '.stagecraft', 'state.db') });
  try {
    const facts = await metricsFacts(store, scheduledJobs(spec!));
    return facts.backups.find((b) => b.project === P && b.service === 'db');
  } finally {
    await store.close();
  }
}

/**
 * The backup disk full: the dump fails, its partial file goes, no backup is recorded (the alert's
 * last success stays the previous one's, and the failure is an event), the previous backup stays,
 * and the database and `up` are untouched. Real engine and a real full file system (tmpfs).
 */
describe('a backup onto a full disk', () => {
  before(async () => {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { encoding: 'utf8' });
    assert.equal(mounted.status, 0, `mount: ${mounted.stderr}`);
    await env.run('down', '--volumes');
    await env.up();
    env.seed(ROWS);
  });
  after(async () => {
    await env.destroy();
    spawnSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  it('fails, removes its partial file, records no backup, and leaves the previous one', async () => {
    const first = await env.run('backup', P);
    assert.equal(first.code, 0, first.err);
    const kept = files();
    assert.equal(kept.length, 3, `a dump, its checksum and manifest: ${kept}`);
    const before = await backupFacts();
    assert.ok(before?.lastSuccess, 'the first backup is the last success');
    assert.equal(before.lastRunOk, true);

    // About 3 MB of incompressible text: its dump cannot fit in what is left of 1 MiB.
    env.sql(
      'CREATE TABLE bulk AS SELECT md5(random()::text) || md5(random()::text) AS v FROM generate_series(1, 100000)',
    );
    const second = await env.run('backup', P);
    assert.equal(second.code, 1, `${second.out}${second.err}`);
    assert.match(second.err, /backup of bshop\/db failed .*No space left on device/s);
    assert.doesNotMatch(second.err, /\n\s+at /, 'no stack trace');
    assert.deepEqual(files(), kept, 'no partial file, and the previous backup is there');

    const listed = JSON.parse((await env.run('backups', P, '--json')).out) as { id: string }[];
    assert.deepEqual(
      listed.map((b) => `${b.id}.dump`),
      kept.filter((f) => f.endsWith('.dump')),
      'only the good backup is recorded',
    );
    const after = await backupFacts();
    assert.deepEqual(after?.lastSuccess, before.lastSuccess, 'the previous backup is still the last success');
    assert.equal(after?.lastRunOk, false, 'stagecraft_backup_last_run_success is 0: BackupFailed fires');
    const store = await openStore({ path: join(env.dir, '.stagecraft', 'state.db') });
    const [newest] = await store.listEvents({ project: P, kind: 'backup', limit: 1 });
    await store.close();
    assert.match(newest?.message ?? '', /^backup of db failed: .*No space left on device/s);
    assert.deepEqual(newest?.data, { service: 'db', ok: false });
  });

  it('leaves the database and the server as they were: up converges, every row there', async () => {
    await env.up();
    assert.equal(env.rows(), ROWS);
    assert.equal(Number(env.sql('SELECT count(*) FROM bulk')), 100000);
  });
});
