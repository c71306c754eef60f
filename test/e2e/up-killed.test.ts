import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LOCK_NAME } from '../../src/drivers/docker/engine-lock.ts';
import { docker } from '../support/docker-cli.ts';
import { FaultEnv, pollApp } from '../support/fault-env.ts';

const P = 'kshop';
const env = new FaultEnv({ project: P, slot: 0 });
const CONVERGED = [`${P}-db`, `${P}-web-1`, 'shared-nginx-exporter', 'shared-proxy'];
const ROWS = 25;

/** The web service's containers (by label, whatever name a rollout gives the new one) and their state. */
function webContainers(): { name: string; state: string }[] {
  const lines = docker(
    'ps',
    '-a',
    '--format',
    '{{.Names}} {{.State}}',
    '--filter',
    `label=io.stagecraft.project=${P}`,
    '--filter',
    'label=io.stagecraft.service=web',
  );
  return lines
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name = '', state = ''] = l.split(' ');
      return { name, state };
    });
}

/** Waits (polling the engine, with a deadline) until `ready` holds of the web containers. */
async function webUntil(ready: (cs: { name: string; state: string }[]) => boolean, what: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const cs = webContainers();
    if (ready(cs)) return;
    if (Date.now() > deadline) throw new Error(`never ${what}: ${JSON.stringify(cs)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `up`, waits for `when` (a line it prints, or a state of the engine), and kills it with SIGKILL. */
async function upKilled(when: RegExp | (() => Promise<void>)) {
  const { child, output } = env.start(['up']);
  if (when instanceof RegExp) await output.until(when, { stream: 'err', timeoutMs: 120_000 });
  else await when();
  child.kill('SIGKILL');
  assert.equal(await output.closed, null, 'up was killed, not finished');
  assert.equal(child.signalCode, 'SIGKILL');
  return output;
}

/** After the next up: exactly the spec's containers, the data intact, the app answering, no lock left. */
async function assertConverged(version: string) {
  const r = await env.up();
  assert.deepEqual(env.containers(), CONVERGED, 'no duplicate or orphaned container');
  assert.equal(env.rows(), ROWS, 'the database kept every row');
  assert.deepEqual(await env.app(), { status: 200, version });
  assert.equal(docker('ps', '-aq', '--filter', `name=^${LOCK_NAME}$`), '', 'the lock is released');
  return r;
}

/**
 * `up` killed with SIGKILL (no handler runs, the engine lock stays behind) at each phase boundary
 * and in the middle of an app rollout: the next `up` takes the dead holder's lock over and
 * converges, leaves no duplicate or orphaned container, and the database keeps every row; during a
 * rollout the old release serves until the new one is healthy. Real engine, this file's own project.
 */
describe('up killed with SIGKILL', () => {
  before(async () => {
    await env.run('down', '--volumes');
    await env.up();
    env.seed(ROWS);
  });
  after(() => env.destroy());

  for (const [boundary, line] of [
    ['the shared stack and the data phase start', /shared stack: shared-proxy/],
    ['the data phase has started its database', /kshop: data: kshop-db/],
    ['the release step starts', /kshop: release web-release/],
    ['the app starts', /kshop: starting kshop-web-1/],
  ] as const) {
    it(`when ${boundary}: the next up takes over the lock and converges, data intact`, async () => {
      const down = await env.run('down');
      assert.equal(down.code, 0, down.err);
      await upKilled(line);
      assert.notEqual(docker('ps', '-aq', '--filter', `name=^${LOCK_NAME}$`), '', 'SIGKILL left the lock');
      const r = await assertConverged('1');
      assert.match(
        r.err,
        /took over the engine lock of .* \(stagecraft up, since .*\): that process is gone/,
      );
    });
  }

  it('while the new release is not healthy yet: the old one serves throughout, the next up converges', async () => {
    // A release that never passes its health gate: the kill always lands while the gate waits.
    env.write({ appEnv: { DEMO_VERSION: '2', DEMO_BROKEN: '1' } });
    const poll = pollApp(env);
    await upKilled(() =>
      webUntil((cs) => cs.filter((c) => c.state === 'running').length === 2, 'two web containers running'),
    );
    const answers = await poll.stop();
    assert.ok(answers.length > 3, `only ${answers.length} answers`);
    assert.deepEqual(
      answers.filter((a) => a.status !== 200 || a.version !== '1'),
      [],
      'the old release answered every request',
    );
    env.write({ appEnv: { DEMO_VERSION: '2' } });
    await assertConverged('2');
  });

  it('between stopping the old replica and naming the new one: the new one serves, the next up converges', async () => {
    env.write({ appEnv: { DEMO_VERSION: '3' } });
    // Killed once the new replica passed its gate and answers under the alias, beside the old one;
    // then the old one stopped, as a kill a moment later (between its stop and the rename, a window
    // of milliseconds no poll can hit) would have left it: the new one runs under its temporary name.
    await upKilled(async () => {
      await webUntil(
        (cs) => cs.some((c) => c.name === `${P}-web-1-next` && c.state === 'running'),
        'a new replica running beside the old one',
      );
      // Answering through the proxy: it has joined the alias (the proxy alternates old and new).
      const deadline = Date.now() + 60_000;
      while ((await env.app()).version !== '3') {
        if (Date.now() > deadline) throw new Error('the new replica never answered through the proxy');
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    docker('stop', `${P}-web-1`);
    assert.deepEqual(await env.app(), { status: 200, version: '3' }, 'the new replica answers');
    const poll = pollApp(env);
    await assertConverged('3');
    const answers = await poll.stop();
    assert.deepEqual(
      answers.filter((a) => a.status !== 200),
      [],
      'the app answered while the next up converged',
    );
  });
});
