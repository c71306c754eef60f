import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { docker } from '../support/docker-cli.ts';
import { runCli } from '../support/run-cli.ts';
import { onePostgresSpec } from '../support/small-spec.ts';

const ENV = 'staging';
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-down-scope-'));
const labels = (project: string) => [
  '--label',
  `io.stagecraft.environment=${ENV}`,
  '--label',
  `io.stagecraft.project=${project}`,
];
const CONTAINERS = ['alpha-db', 'beta-db'];
const NETWORKS = ['alpha-internal', 'beta-internal'];
const VOLUMES = ['alpha-db-data', 'beta-db-data'];

const cleanup = () => {
  spawnSync('docker', ['rm', '-f', ...CONTAINERS]);
  spawnSync('docker', ['network', 'rm', ...NETWORKS]);
  spawnSync('docker', ['volume', 'rm', '-f', ...VOLUMES]);
};
const inspect = (kind: string, name: string) =>
  spawnSync('docker', [kind, 'inspect', name], { encoding: 'utf8' }).status === 0;

/**
 * Two specs of one environment on one engine (two checkouts, different projects): `down` of one
 * removes what its plan names and leaves the other's, naming it. Real engine; an environment of
 * this test's own, and stand-in containers with the labels and names `up` would give them.
 */
describe('down of one spec and another spec’s containers', () => {
  before(() => {
    cleanup();
    writeFileSync(
      join(dir, 'staging.yaml'),
      onePostgresSpec('alpha', 1).replace('environment: preview', `environment: ${ENV}`),
    );
    for (const p of ['alpha', 'beta']) {
      docker('run', '-d', '--name', `${p}-db`, ...labels(p), 'stagecraft/base:bookworm', 'sleep', '300');
      docker('network', 'create', ...labels(p), `${p}-internal`);
      docker('volume', 'create', ...labels(p), `${p}-db-data`);
    }
  });
  after(() => {
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes alpha’s container, network and volume, and leaves beta’s running, listed as left', async () => {
    const r = await runCli(['down', '--volumes'], { cwd: dir });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^left: container beta-db \(not in this spec\)$/m);
    assert.match(r.out, /^left: network beta-internal \(not in this spec\)$/m);
    assert.match(r.out, /removed 1 containers and 1 volumes/);
    assert.equal(inspect('container', 'alpha-db'), false);
    assert.equal(inspect('network', 'alpha-internal'), false);
    assert.equal(inspect('volume', 'alpha-db-data'), false);
    assert.equal(docker('inspect', '-f', '{{.State.Running}}', 'beta-db'), 'true');
    assert.equal(inspect('network', 'beta-internal'), true);
    assert.equal(inspect('volume', 'beta-db-data'), true);
  });
});
