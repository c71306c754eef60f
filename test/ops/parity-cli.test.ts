import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli as stagecraft } from '../support/run-cli.ts';

const root = join(import.meta.dirname, '..', '..');

/** The example pair, each spec in its own folder so that each has its own secret store. */
function pair(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-parity-'));
  for (const side of ['staging', 'production']) {
    mkdirSync(join(dir, side));
    cpSync(join(root, 'examples', 'parity', `${side}.yaml`), join(dir, side, `${side}.yaml`));
  }
  return dir;
}

async function setSecret(
  dir: string,
  side: string,
  project: string,
  name: string,
  value: string,
): Promise<void> {
  const r = await stagecraft(['--spec', `${side}/${side}.yaml`, 'secrets', 'set', project, name], {
    cwd: dir,
    input: value,
  });
  assert.equal(r.code, 0, r.err);
}

const ARGS = ['parity', 'staging/staging.yaml', 'production/production.yaml'];

describe('stagecraft parity', () => {
  it('prints the table and exits 0 for a clean pair with secrets of their own', async () => {
    const dir = pair();
    await setSecret(dir, 'staging', 'robson', 'SECRET_KEY', 'St4ging-only-key');
    await setSecret(dir, 'production', 'robson', 'SECRET_KEY', 'Pr0duction-only-key');
    const r = await stagecraft(ARGS, { cwd: dir });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /robson\/backend\s+replicas\s+2\s+3/);
    assert.match(r.out, /secrets compared\s+1 value\s+1 value/);
    assert.match(r.out, /no violations/);
    assert.doesNotMatch(r.out + r.err, /St4ging|Pr0duction/);

    const json = await stagecraft([...ARGS, '--json'], { cwd: dir });
    assert.equal(json.code, 0, json.err);
    const report = JSON.parse(json.out);
    assert.deepEqual(report.violations, []);
    assert.ok(report.rows.some((x: { aspect: string }) => x.aspect === 'backup retention'));
  });

  it('exits 1 with the violations listed, naming a shared secret but never showing its value', async () => {
    const dir = pair();
    const value = 'Sh4red-s3cret-value';
    await setSecret(dir, 'staging', 'robson', 'SECRET_KEY', value);
    await setSecret(dir, 'production', 'robson', 'BACKUP_S3_SECRET_KEY', value);
    const production = join(dir, 'production', 'production.yaml');
    writeFileSync(
      production,
      readFileSync(production, 'utf8').replace('host: api.rbx.ia.br', 'host: api.staging.rbx.ia.br'),
    );
    const r = await stagecraft(ARGS, { cwd: dir });
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /Violations \(2\)/);
    assert.match(
      r.out,
      /staging's robson\/SECRET_KEY has the same value as production's robson\/BACKUP_S3_SECRET_KEY/,
    );
    assert.match(r.out, /api\.staging\.rbx\.ia\.br is served by both/);
    assert.match(
      r.err,
      /error: 2 parity violations between staging\/staging\.yaml and production\/production\.yaml/,
    );

    const json = await stagecraft([...ARGS, '--json'], { cwd: dir });
    assert.equal(json.code, 1);
    assert.deepEqual(
      JSON.parse(json.out).violations.map((v: { code: string }) => v.code),
      ['secret.shared', 'domain.shared'],
    );
    for (const text of [r.out, r.err, json.out, json.err]) assert.ok(!text.includes(value), 'no value');
  });

  it('exits 2 with file:line:col diagnostics for a broken spec', async () => {
    const dir = pair();
    const staging = join(dir, 'staging', 'staging.yaml');
    writeFileSync(staging, readFileSync(staging, 'utf8').replace('replicas: 2', 'replicas: two'));
    const r = await stagecraft(ARGS, { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /^staging\/staging\.yaml:\d+:\d+: error SC0303: projects\.robson\.services\.backend\.replicas: /m,
    );
    assert.match(r.err, /error: 1 error in staging\/staging\.yaml/);
    assert.equal(r.out, '');
  });
});
