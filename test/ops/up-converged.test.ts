import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { engineContainers } from '../../src/drivers/docker/container-create.ts';
import type { Owned } from '../../src/drivers/docker/engine.ts';
import { LABEL } from '../../src/model/index.ts';
import { secretFileArtifacts } from '../../src/ops/secret-values.ts';
import { isConvergedToSpec, stackDir, wantedStacks } from '../../src/ops/up.ts';
import { writeArtifacts } from '../../src/ops/write-artifacts.ts';
import { renderServerLayout } from '../../src/render/index.ts';
import { openSecretStore } from '../../src/state/index.ts';
import { exampleContext } from '../support/render.ts';

/** The no-op fast path's decision, on plain data: the demo's containers as the engine would list them. */
describe('isConvergedToSpec: whether up has nothing to do', () => {
  const ctx = exampleContext('demo');
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-converged-'));
  let running: Owned[] = [];

  before(async () => {
    const secrets = await openSecretStore({ dir: join(dir, 'secrets') });
    writeArtifacts(join(dir, 'server'), [
      ...renderServerLayout(ctx),
      ...(await secretFileArtifacts(ctx, secrets)),
    ]);
    await secrets.close();
    const { shared, projects } = wantedStacks(ctx);
    const specs = [shared, ...projects.values()]
      .flatMap((stack) => engineContainers(stack, stackDir(join(dir, 'server'), stack)))
      .filter((s) => !s.container.oneOff);
    running = specs.map((s) => ({
      id: s.name,
      name: s.name,
      labels: s.options.Labels ?? {},
      state: 'running',
      ...(s.container.healthcheck ? { health: 'healthy' } : {}),
      image: String(s.options.Image),
    }));
  });

  const server = () => join(dir, 'server');
  const without = (name: string) => running.filter((c) => c.name !== name);
  const changed = (name: string, patch: Partial<Owned>) =>
    running.map((c) => (c.name === name ? { ...c, ...patch } : c));

  it('is true when every container runs as the spec wants it', () => {
    assert.ok(running.length >= 14);
    assert.equal(isConvergedToSpec(ctx, server(), running), true);
  });

  it('is false for a missing, stopped, unhealthy, changed or retagged container', () => {
    assert.equal(isConvergedToSpec(ctx, server(), without('shop-web-1')), false);
    assert.equal(isConvergedToSpec(ctx, server(), changed('shop-db', { state: 'exited' })), false);
    assert.equal(isConvergedToSpec(ctx, server(), changed('shop-db', { health: 'unhealthy' })), false);
    const web = running.find((c) => c.name === 'blog-web-1')!;
    assert.equal(
      isConvergedToSpec(
        ctx,
        server(),
        changed('blog-web-1', { labels: { ...web.labels, [LABEL.specHash]: 'old' } }),
      ),
      false,
    );
    assert.equal(isConvergedToSpec(ctx, server(), changed('blog-web-1', { image: 'sha256:0123' })), false);
  });

  it('counts a container the engine has not checked yet only when its readiness probe answered', () => {
    const starting = changed('shop-db', { health: 'starting' });
    assert.equal(isConvergedToSpec(ctx, server(), starting), false);
    assert.equal(
      isConvergedToSpec(ctx, server(), starting, undefined, undefined, new Set(['shop-db'])),
      true,
    );
    assert.equal(
      isConvergedToSpec(ctx, server(), starting, undefined, undefined, new Set(['shop-cache'])),
      false,
      'another container answering says nothing about this one',
    );
  });

  it('is false with a container the spec no longer has, true with a probe or a restore check running', () => {
    const stray = { ...running[0]!, id: 'x', name: 'shop-old', labels: { [LABEL.project]: 'shop' } };
    assert.equal(isConvergedToSpec(ctx, server(), [...running, stray]), false);
    const probe = {
      ...stray,
      name: 'shop-probe-1',
      labels: { [LABEL.project]: 'shop', [LABEL.role]: 'probe' },
    };
    assert.equal(isConvergedToSpec(ctx, server(), [...running, probe]), true);
  });

  it('is true with a one-off of the spec left exited (a release step, a cron run kept for its logs)', () => {
    const release = {
      ...running[0]!,
      id: 'r',
      name: 'shop-web-release',
      labels: { [LABEL.project]: 'shop', [LABEL.role]: 'release' },
      state: 'exited',
    };
    assert.equal(isConvergedToSpec(ctx, server(), [...running, release]), true);
  });

  it('with --project, looks only at that project and the shared stack', () => {
    assert.equal(isConvergedToSpec(ctx, server(), without('blog-web-1'), 'shop'), true);
    assert.equal(isConvergedToSpec(ctx, server(), without('shared-proxy'), 'shop'), false);
  });
});
