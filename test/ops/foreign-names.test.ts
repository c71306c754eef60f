import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerFor } from '../../src/drivers/docker/client.ts';
import { foreignNames } from '../../src/ops/foreign-names.ts';
import { planEnvironment } from '../../src/plan/index.ts';
import { projectStack } from '../../src/render/index.ts';
import { loadSpecText } from '../../src/spec/index.ts';
import { docker } from '../support/docker-cli.ts';
import { onePostgresSpec } from '../support/small-spec.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-foreign-names-'));
const CONTAINER = 'foreignname-db';
const VOLUME = 'foreignname-db-data';

const SPEC = onePostgresSpec('foreignname', 1);

const cleanup = () => {
  spawnSync('docker', ['rm', '-f', CONTAINER]);
  spawnSync('docker', ['volume', 'rm', '-f', VOLUME]);
};

/**
 * Names are the engine's: a container made by hand, or a volume of another environment, under a
 * name the spec uses is never removed or taken over by `up`. Real engine; the objects are this test's.
 */
describe('up and what is not its environment’s', () => {
  before(() => {
    cleanup();
    writeFileSync(join(dir, 'staging.yaml'), SPEC);
    docker('run', '-d', '--name', CONTAINER, 'stagecraft/base:bookworm', 'sleep', '300');
    docker('volume', 'create', '--label', 'io.stagecraft.environment=production', VOLUME);
  });
  after(cleanup);

  it('names each one and whose it is', async () => {
    const { spec } = loadSpecText(join(dir, 'staging.yaml'), SPEC, {});
    const plan = planEnvironment(spec!);
    const stack = projectStack({ spec: spec!, plan }, spec!.projects[0]!)!;
    const found = await foreignNames(dockerFor('local', {}), 'preview', [stack]);
    assert.deepEqual(found, [
      'the container foreignname-db exists, and stagecraft did not make it (no io.stagecraft.environment label)',
      'the volume foreignname-db-data belongs to the environment production on this engine',
    ]);
    assert.deepEqual(await foreignNames(dockerFor('local', {}), 'production', [stack]), [found[0]]);
  });

  it('up stops with exit 1 before it changes anything on the engine, and the container keeps running', () => {
    const id = docker('inspect', '-f', '{{.Id}}', CONTAINER);
    const r = spawnSync(join(root, 'bin', 'stagecraft'), ['up'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /nothing on the engine was changed: the container foreignname-db exists/);
    assert.match(r.stderr, /the volume foreignname-db-data belongs to the environment production/);
    assert.equal(docker('inspect', '-f', '{{.Id}} {{.State.Running}}', CONTAINER), `${id} true`);
    const network = spawnSync('docker', ['network', 'inspect', 'foreignname-internal'], { encoding: 'utf8' });
    // The engine's own answer, not any failure of the command (an engine that is down fails too).
    assert.notEqual(network.status, 0);
    assert.match(network.stderr, /network foreignname-internal not found/i, 'no network was created');
  });
});
