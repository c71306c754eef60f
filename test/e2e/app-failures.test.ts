import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultEnv, pollApp } from '../support/fault-env.ts';

const P = 'fshop';
const env = new FaultEnv({ project: P, slot: 1 });
const CONVERGED = [`${P}-db`, `${P}-web-1`, 'shared-nginx-exporter', 'shared-proxy'];
const ROWS = 40;

/**
 * A new release of an app that exits at once, one that never answers its health check, and one
 * that eats its memory limit: each `up` fails (exit 1) as a failed release, the old release keeps
 * answering every request meanwhile, no half-made container stays, `status` says why, and the data
 * is untouched; the good spec converges again afterwards. Real engine, this file's own project.
 */
describe('an app release that cannot run', () => {
  before(async () => {
    await env.run('down', '--volumes');
    await env.up();
    env.seed(ROWS);
  });
  after(() => env.destroy());

  for (const [what, change, reason] of [
    [
      'exits at once',
      { appLines: ['command: /bin/false'] },
      /fshop-web-1-next .*exit(ed)? .*\(exit code 1\)/,
    ],
    [
      'never answers its health check',
      {
        appEnv: { DEMO_VERSION: '2', DEMO_BROKEN: '1' },
        health: '{ path: /health, interval: 1s, timeout: 1s, retries: 2, startPeriod: 1s }',
      },
      /fshop-web-1-next is unhealthy/,
    ],
    [
      'eats its memory limit',
      { appLines: ['command: python3 -c "b = bytearray(512 * 1024 * 1024)"'] },
      /fshop-web-1-next was killed at its memory limit \(out of memory\)/,
    ],
  ] as const) {
    it(`that ${what} fails as a release, the old one serving; status says why`, async () => {
      env.write({ appEnv: { DEMO_VERSION: '2' }, ...change });
      const poll = pollApp(env);
      const r = await env.run('up');
      const answers = await poll.stop();
      assert.equal(r.code, 1, `${r.out}\n${r.err}`);
      assert.match(
        r.err,
        /^error: fshop: the new fshop-web-1 failed its health gate, the old one keeps serving: /m,
      );
      assert.match(r.err, reason);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
      assert.ok(answers.length > 3, `only ${answers.length} answers`);
      assert.deepEqual(
        answers.filter((a) => a.status !== 200 || a.version !== '1'),
        [],
        'the old release answered every request',
      );
      assert.deepEqual(env.containers(), CONVERGED, 'the new container is gone');
      const status = await env.run('status');
      assert.equal(status.code, 0, status.err);
      assert.match(
        status.out,
        /^fshop: the last release failed \(.*\): the new fshop-web-1 failed its health gate/m,
      );
      assert.match(status.out, reason);
      assert.equal(env.rows(), ROWS);
    });
  }

  it('the good spec converges after them all, the data intact', async () => {
    env.write({ appEnv: { DEMO_VERSION: '2' } });
    await env.up();
    assert.deepEqual(await env.app(), { status: 200, version: '2' });
    assert.deepEqual(env.containers(), CONVERGED);
    assert.equal(env.rows(), ROWS);
  });
});
