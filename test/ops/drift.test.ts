import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Owned } from '../../src/drivers/docker/engine.ts';
import { LABEL } from '../../src/model/index.ts';
import { type DriftWanted, driftCounts, driftOf, wantedForDrift } from '../../src/ops/drift.ts';
import { metricsText } from '../../src/ops/metrics.ts';
import { secretFileArtifacts } from '../../src/ops/secret-values.ts';
import { isConvergedToSpec, wantedContainers, wantedStacks } from '../../src/ops/up.ts';
import { writeArtifacts } from '../../src/ops/write-artifacts.ts';
import { renderServerLayout } from '../../src/render/index.ts';
import { openSecretStore } from '../../src/state/index.ts';
import { exampleContext } from '../support/render.ts';

/** Drift on plain data: the demo's containers as the engine would list them, then changed by hand. */
describe('driftOf: what differs between the engine and the spec', () => {
  const ctx = exampleContext('demo');
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-drift-'));
  const server = join(dir, 'server');
  let wanted: DriftWanted[] = [];
  let running: Owned[] = [];

  before(async () => {
    const secrets = await openSecretStore({ dir: join(dir, 'secrets') });
    writeArtifacts(server, [...renderServerLayout(ctx), ...(await secretFileArtifacts(ctx, secrets))]);
    await secrets.close();
    wanted = wantedForDrift(ctx.spec, ctx.plan, server);
    running = wantedContainers(server, wantedStacks(ctx))
      .filter((w) => !w.oneOff)
      .map((w) => ({
        id: w.name,
        name: w.name,
        labels: { [LABEL.project]: w.project, [LABEL.specHash]: w.hash },
        state: 'running',
        ...(w.hasHealthcheck ? { health: 'healthy' } : {}),
        image: w.image,
        networks: [...(w.networks ?? [])].sort(),
      }));
  });

  const changed = (name: string, patch: Partial<Owned>) =>
    running.map((c) => (c.name === name ? { ...c, ...patch } : c));
  const kinds = (engine: Owned[]) => driftOf(wanted, engine).map((d) => `${d.container} ${d.kind}`);

  it('finds none when every container runs as the spec wants it, on its networks', () => {
    assert.ok(
      wanted.every((w) => w.hash),
      'every hash is known once the secret files are written',
    );
    assert.ok(wanted.find((w) => w.name === 'shared-proxy')!.networks!.length > 1, 'the proxy joins edges');
    assert.deepEqual(driftOf(wanted, running), []);
    assert.equal(isConvergedToSpec(ctx, server, running), true);
  });

  it('names a stopped, a missing, a changed and a retagged container', () => {
    assert.deepEqual(kinds(changed('shop-web-1', { state: 'exited' })), ['shop-web-1 stopped']);
    assert.deepEqual(kinds(running.filter((c) => c.name !== 'shop-db')), ['shop-db missing']);
    const web = running.find((c) => c.name === 'blog-web-1')!;
    assert.deepEqual(kinds(changed('blog-web-1', { labels: { ...web.labels, [LABEL.specHash]: 'old' } })), [
      'blog-web-1 changed',
    ]);
    assert.deepEqual(kinds(changed('blog-web-1', { image: 'sha256:0123' })), ['blog-web-1 changed']);
  });

  it('names a network joined or left by hand; up would recreate that container', () => {
    const web = running.find((c) => c.name === 'shop-web-2')!;
    const joined = changed('shop-web-2', { networks: [...web.networks!, 'blog-internal'] });
    assert.deepEqual(
      driftOf(wanted, joined).map((d) => [d.container, d.kind, d.detail]),
      [['shop-web-2', 'network', 'joined blog-internal by hand']],
    );
    assert.equal(isConvergedToSpec(ctx, server, joined), false, 'the no-op path sees it too');
    const left = changed('shop-web-2', { networks: web.networks!.slice(1) });
    assert.deepEqual(kinds(left), ['shop-web-2 network']);
    assert.match(driftOf(wanted, left)[0]!.detail, /^left /);
  });

  it('names a container started by hand with the environment’s labels; not a probe or a rollout’s next replica', () => {
    const stray = { ...running[0]!, id: 'x', name: 'shop-debug', labels: { [LABEL.project]: 'shop' } };
    assert.deepEqual(kinds([...running, stray]), ['shop-debug unexpected']);
    const probe = {
      ...stray,
      name: 'shop-probe-1',
      labels: { [LABEL.project]: 'shop', [LABEL.role]: 'probe' },
    };
    const next = { ...stray, name: 'shop-web-1-next' };
    assert.deepEqual(kinds([...running, probe, next]), []);
  });

  it('with a project, looks only at it and the shared stack', () => {
    const engine = changed('blog-web-1', { state: 'exited' }).filter((c) => c.name !== 'shared-proxy');
    assert.deepEqual(
      driftOf(wanted, engine, 'shop').map((d) => d.container),
      ['shared-proxy'],
    );
  });

  it('counts every kind per project for the gauge, zeros included', () => {
    const drift = driftOf(wanted, changed('shop-web-1', { state: 'exited' }));
    const text = metricsText({
      backups: [],
      cron: [],
      certificates: [],
      drift: driftCounts(drift, ['shop', 'blog']),
    });
    assert.match(text, /^# TYPE stagecraft_drift gauge$/m);
    assert.match(text, /^stagecraft_drift\{project="shop",kind="stopped"\} 1$/m);
    assert.match(text, /^stagecraft_drift\{project="blog",kind="stopped"\} 0$/m);
    assert.match(text, /^stagecraft_drift\{project="shared",kind="network"\} 0$/m);
  });

  it('without a project’s secret files (never up), still finds its missing and stopped containers', () => {
    const bare = wantedForDrift(ctx.spec, ctx.plan, join(dir, 'nowhere'));
    assert.ok(bare.filter((w) => w.project === 'shop').every((w) => w.hash === undefined));
    const engine = changed('shop-web-1', { state: 'exited' }).filter((c) => c.name !== 'shop-db');
    assert.deepEqual(
      driftOf(bare, engine)
        .filter((d) => d.project === 'shop')
        .map((d) => `${d.container} ${d.kind}`),
      ['shop-db missing', 'shop-web-1 stopped'],
    );
  });
});
