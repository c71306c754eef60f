import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { S3Client } from '../../src/drivers/s3/index.ts';
import { parseDumpKey } from '../../src/ops/backup/remote.ts';
import { backupsToPrune, type RetentionPolicy } from '../../src/ops/backup/retention.ts';
import { EXPIRED_FUNCTION, LOCAL_PRUNE_SCRIPT, UPLOAD_SCRIPT } from '../../src/render/backup/scripts.ts';
import { type LocalS3, startLocalS3 } from '../support/s3-server.ts';

/**
 * The Kubernetes backup CronJob prunes and uploads with shell scripts, since no control plane runs
 * in the cluster. They run here with the same tools the images have (Debian's `sh`, GNU `date`,
 * the AWS CLI 2.9 the upload image pins) against a real S3-protocol server, and must decide
 * exactly as the control plane's retention does.
 */
const SERIES = 'shop-db';
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-k8s-backup-'));

function sh(script: string, env: Record<string, string>, input = '', cwd = dir) {
  const r = spawnSync('sh', ['-c', script], {
    cwd,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  assert.equal(r.status, 0, `the script failed: ${r.stderr}`);
  return r.stdout;
}

const stamp = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
const nameAt = (at: Date) => `${SERIES}-${stamp(at)}`;
const keepEnv = (prefix: string, k: RetentionPolicy) => ({
  [`${prefix}_DAILY`]: String(k.daily),
  [`${prefix}_WEEKLY`]: String(k.weekly),
  [`${prefix}_MONTHLY`]: String(k.monthly),
});

/** The control plane's verdict on the same names: what it prunes, sorted. */
function controlPlanePrunes(names: readonly string[], keep: RetentionPolicy): string[] {
  const candidates = names.map((id) => ({
    id,
    createdAt: parseDumpKey(`${id}.dump`)!.createdAt,
    verified: null,
  }));
  return backupsToPrune(candidates, keep).sort();
}

const instants = fc
  .uniqueArray(fc.integer({ min: Date.UTC(2024, 0, 1) / 1000, max: Date.UTC(2026, 11, 31) / 1000 }), {
    minLength: 1,
    maxLength: 25,
  })
  .map((seconds) => seconds.map((s) => new Date(s * 1000)));
const policy = fc.record({
  daily: fc.integer({ min: 0, max: 8 }),
  weekly: fc.integer({ min: 0, max: 5 }),
  monthly: fc.integer({ min: 0, max: 4 }),
});

let s3: LocalS3;
before(async () => {
  s3 = await startLocalS3('backups');
});
after(async () => {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Kubernetes backup scripts', () => {
  it('expired() lets go of exactly what the control plane’s retention prunes', () => {
    fc.assert(
      fc.property(instants, policy, (at, keep) => {
        const names = at.map(nameAt);
        const out = sh(
          `${EXPIRED_FUNCTION}\nexpired ${keep.daily} ${keep.weekly} ${keep.monthly}`,
          {},
          `${names.join('\n')}\n`,
        );
        assert.deepEqual(out.split('\n').filter(Boolean).sort(), controlPlanePrunes(names, keep));
      }),
      { seed: 20261202, numRuns: 40 },
    );
  });

  it('the local prune removes the three files of each expired dump, and only dumps of its own series', () => {
    const folder = mkdtempSync(join(dir, 'local-'));
    const days = [1, 2, 3, 4, 5, 9, 16].map((d) => new Date(Date.UTC(2026, 10, d, 2, 0, 0)));
    const names = days.map(nameAt);
    for (const n of names)
      for (const suffix of ['.dump', '.dump.sha256', '.manifest']) writeFileSync(join(folder, n + suffix), n);
    const strangers = ['shop-db-2-20260101T020000Z.dump', 'notes.txt', 'blog-db-20260101T020000Z.dump'];
    for (const f of strangers) writeFileSync(join(folder, f), f);
    const keep = { daily: 3, weekly: 0, monthly: 0 };
    const work = mkdtempSync(join(dir, 'work-'));

    sh(
      `set -eu\n${LOCAL_PRUNE_SCRIPT}`,
      { BACKUP_SERIES: SERIES, BACKUP_NAME: names.at(-1)!, WORK_DIR: work, ...keepEnv('KEEP', keep) },
      '',
      folder,
    );

    const pruned = controlPlanePrunes(names, keep);
    assert.equal(pruned.length, 4);
    const expected = [
      ...names
        .filter((n) => !pruned.includes(n))
        .flatMap((n) => [`${n}.dump`, `${n}.dump.sha256`, `${n}.manifest`]),
      ...strangers,
    ].sort();
    assert.deepEqual(readdirSync(folder).sort(), expected);
    assert.equal(sh(`cat "${work}/name"`, {}), `${names.at(-1)}\n`);
  });

  it('the upload copies the dump to S3 with the AWS CLI and prunes the remote copies to remote.keep', async () => {
    const folder = mkdtempSync(join(dir, 'upload-'));
    const work = mkdtempSync(join(dir, 'work-'));
    const days = [1, 2, 3, 4, 5].map((d) => new Date(Date.UTC(2026, 10, d, 2, 0, 0)));
    const env = {
      ...keepEnv('REMOTE_KEEP', { daily: 3, weekly: 0, monthly: 0 }),
      AWS_ACCESS_KEY_ID: s3.accessKey,
      AWS_SECRET_ACCESS_KEY: s3.secretKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      S3_ENDPOINT: s3.endpoint,
      REMOTE_URL: `s3://${s3.bucket}/postgres`,
      BACKUP_DIR: folder,
      BACKUP_SERIES: SERIES,
      WORK_DIR: work,
      HOME: work,
    };
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      bucket: s3.bucket,
      prefix: 'postgres',
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
    });
    await client.putObject('postgres/someone-elses.txt', Buffer.from('keep me'));
    for (const day of days) {
      const name = nameAt(day);
      for (const suffix of ['.dump', '.dump.sha256', '.manifest'])
        writeFileSync(join(folder, name + suffix), `${name}${suffix}`);
      writeFileSync(join(work, 'name'), `${name}\n`);
      assert.match(sh(UPLOAD_SCRIPT, env), new RegExp(`uploaded ${name}`));
    }

    const keys = (await client.listObjects('postgres/')).map((o) => o.key).sort();
    const kept = days.slice(2).map(nameAt);
    assert.deepEqual(
      keys,
      [
        ...kept.flatMap((n) => [`postgres/${n}.dump`, `postgres/${n}.dump.sha256`, `postgres/${n}.manifest`]),
        'postgres/someone-elses.txt',
      ].sort(),
    );
    // Named as the compose target names its dumps: the control plane's remote prune reads them too.
    assert.deepEqual(
      keys.filter((k) => k.endsWith('.dump')).map((k) => parseDumpKey(k)?.series),
      kept.map(() => SERIES),
    );
  });
});
