import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FaultEnv } from '../support/fault-env.ts';
import { OwnEngine } from '../support/own-engine.ts';

const P = 'eshop';
const engine = new OwnEngine();
const env = new FaultEnv({ project: P, slot: 4, app: false }, { DOCKER_HOST: engine.host });
const CONVERGED = [`${P}-db`, 'shared-nginx-exporter', 'shared-proxy'];
const ROWS = 17;
const hadDocker0 = hasDocker0();

/**
 * The engine killed and started again in the middle of an `up` (a second dockerd of this test's
 * own, with its own socket and data root: the machine's engine is left alone): that `up` fails
 * with exit 1, naming the engine, without a stack trace; the next one converges and the database
 * has every row.
 */
describe('the engine restarted during an up', () => {
  before(async () => {
    await engine.start();
    engine.loadImages([
      'stagecraft/nginx:bookworm',
      'stagecraft/nginx-exporter:bookworm',
      'stagecraft/postgresql:15',
    ]);
    await env.up();
    env.seed(ROWS);
  });
  after(async () => {
    if (engine.answers()) await env.destroy();
    else rmSync(env.dir, { recursive: true, force: true });
    await engine.stop();
  });

  it('fails that up clearly, and the next up converges with the data intact', async () => {
    const down = await env.run('down');
    assert.equal(down.code, 0, down.err);
    const { child, output } = env.start(['up']);
    await output.until(/eshop: data: eshop-db/, { stream: 'err', timeoutMs: 60_000 });
    await engine.kill();
    const code = await output.closed;
    assert.equal(child.signalCode, null, 'up ended by itself');
    assert.equal(code, 1, `${output.out}\n${output.err}`);
    assert.match(output.err, new RegExp(`^error: .*the Docker engine at ${engine.host}`, 'm'));
    assert.doesNotMatch(output.err, /\n\s+at /, 'no stack trace');

    // While it is down, up says so at once.
    const refused = await env.run('up');
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.err, new RegExp(`^error: no Docker engine answers at ${engine.host}`, 'm'));

    await engine.start();
    await env.up();
    assert.deepEqual(env.containers(), CONVERGED);
    assert.equal(env.rows(), ROWS);
    assert.equal(hasDocker0(), hadDocker0, 'the machine engine’s bridge docker0 is left as it was');
  });
});

function hasDocker0(): boolean {
  return spawnSync('ip', ['link', 'show', 'docker0'], { stdio: 'ignore' }).status === 0;
}
