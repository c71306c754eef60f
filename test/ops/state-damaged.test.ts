import assert from 'node:assert/strict';
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet } from '../../src/drivers/http-get.ts';
import { docker } from '../support/docker-cli.ts';
import { appPort, FaultEnv } from '../support/fault-env.ts';

const P = 'sshop';
const SLOT = 3;
const env = new FaultEnv({ project: P, slot: SLOT });
const state = join(env.dir, '.stagecraft');
const db = join(state, 'state.db');
const ROWS = 12;
const containerId = (name: string) => docker('inspect', '-f', '{{.Id}}', name);

/**
 * The app reaches its database with the password it was set up with (GET /db counts its rows):
 * asked until it answers 200, for a while (a proxy that `up` just reloaded may drop a connection);
 * a wrong password answers 500, and fails with what it said.
 */
async function appOpensItsDatabase(): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await httpGet({ host: '127.0.0.1', port: appPort(SLOT) }, '/db', { timeoutMs: 5000 });
    if (r.status === 200) {
      assert.equal((JSON.parse(r.body) as { database: string }).database, 'ok');
      return;
    }
    if (Date.now() > deadline) assert.fail(`GET /db answered ${r.status}: ${r.body}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** What every command says of a damaged state file: which, and how to go on; exit 1, no stack trace. */
async function everyCommandSaysDamaged(why: RegExp) {
  for (const command of [['plan'], ['status'], ['backups'], ['up']]) {
    const r = await env.run(...command);
    assert.equal(r.code, 1, `${command.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, new RegExp(`^error: the state store ${db} is damaged \\(${why.source}\\)`, 'm'));
    assert.match(r.err, new RegExp(`mv ${db} ${db}\\.damaged\\) and run stagecraft up`));
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
}

/**
 * The state database damaged (garbage bytes) or lost, beside a running project with data: every
 * command names the file and says how to go on; `up` never gives the existing database volume a new
 * password; once recovered as told, `up` converges with every row there. Real engine, this file's
 * own project.
 */
describe('the state database damaged or lost', () => {
  before(async () => {
    await env.run('down', '--volumes');
    await env.up();
    env.seed(ROWS);
  });
  after(() => env.destroy());

  it('with garbage in its pages, or all garbage: each command says so and how to recover; moved aside, up converges', async () => {
    const good = readFileSync(db);
    const damaged = Buffer.from(good);
    for (let i = 4096; i < damaged.length; i++) damaged[i] = (i * 7) & 0xff;
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    writeFileSync(db, damaged);
    await everyCommandSaysDamaged(/database disk image is malformed/);
    writeFileSync(db, Buffer.alloc(good.length, 0x5a));
    await everyCommandSaysDamaged(/file is not a database/);

    const dbBefore = containerId(`${P}-db`);
    renameSync(db, `${db}.damaged`);
    const r = await env.run('up');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /the state database records no allocations .* taken from .*plan\.json/);
    // The allocations come back from the plan the last up left: nothing moves, nothing is recreated.
    assert.equal(containerId(`${P}-db`), dbBefore, 'the database container is the same');
    await appOpensItsDatabase();
    assert.equal(env.rows(), ROWS);
  });

  it('lost with its secrets: up gives the database volume no new password, changes nothing, and says how to recover', async () => {
    const kept = join(env.dir, 'kept-secrets');
    cpSync(join(state, 'secrets'), kept, { recursive: true });
    const dbBefore = containerId(`${P}-db`);
    rmSync(state, { recursive: true, force: true });

    const r = await env.run('up');
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.err,
      /sshop\/db: the volume sshop-db-data holds data set up with a password the secret store does not have/,
    );
    assert.match(r.err, /stagecraft secrets set sshop DB_PASSWORD/);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    const listed = await env.run('secrets', 'list', P, '--json');
    assert.ok(!listed.out.includes('"set":true'), `no password was generated: ${listed.out}`);
    assert.equal(containerId(`${P}-db`), dbBefore, 'the database was not touched');
    assert.equal(env.rows(), ROWS);

    // Recovered as the message says: the old value back in the store.
    cpSync(kept, join(state, 'secrets'), { recursive: true });
    const recovered = await env.up();
    // Nothing recorded anywhere: the ports come back from the running containers, the app keeps its own.
    assert.match(recovered.err, /taken from the running containers/);
    assert.equal(env.rows(), ROWS);
    await appOpensItsDatabase();
  });
});
