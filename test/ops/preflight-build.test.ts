import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Docker from 'dockerode';
import { contextFiles } from '../../src/ops/preflight/build-context.ts';
import { PreflightFailed, preflight } from '../../src/ops/preflight/index.ts';
import { planEnvironment } from '../../src/plan/index.ts';
import { loadSpecText } from '../../src/spec/index.ts';
import { openSecretStore } from '../../src/state/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'stagecraft-preflight-build-'));
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const made = new Set<string>();

const SPEC = `version: 1
environment: preview
server:
  host: local
  domain: bld.localhost
  capacity: { cpus: 2, memory: 4GiB }
  images: local
  listen: { http: 29390 }
network: { shared: 10.254.0.0/24, projects: 10.255.0.0/16, projectSize: 24 }
ports: { postgres: { from: 29940, to: 29949 }, redis: { from: 29950, to: 29959 }, rabbitmq: { from: 29960, to: 29969 }, app: { from: 29970, to: 29979 } }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  bld:
    services:
      web:
        type: worker
        build: { context: ./web, args: { GREETING: hello } }
        resources: { cpus: 0.05, memory: 32MiB }
`;

async function check(log: string[] = []) {
  const loaded = loadSpecText(join(dir, 'staging.yaml'), SPEC, {});
  assert.ok(loaded.spec, JSON.stringify(loaded.diagnostics));
  const secrets = await openSecretStore({ dir: join(dir, 'secrets') });
  try {
    const r = await preflight(loaded.spec, planEnvironment(loaded.spec, {}), {
      docker,
      secrets,
      log: (l) => log.push(l),
    });
    const image = r.spec.projects[0]!.services[0]!.image!;
    made.add(image);
    return { image, log, digest: r.digests.get(image) };
  } finally {
    await secrets.close();
  }
}

/** `build:` through the Engine API: tagged by content, .dockerignore honoured, built once, failures named. */
describe('preflight builds', () => {
  const web = join(dir, 'web');
  mkdirSync(web);
  writeFileSync(
    join(web, 'Dockerfile'),
    'FROM stagecraft/base:bookworm\nARG GREETING\nCOPY app.txt /app.txt\nRUN echo "$GREETING" > /greeting\n',
  );
  writeFileSync(join(web, 'app.txt'), 'v1\n');
  writeFileSync(join(web, '.dockerignore'), '*.log\nnotes/\n!notes/keep.md\n');
  writeFileSync(join(web, 'debug.log'), 'noise\n');
  mkdirSync(join(web, 'notes'));
  writeFileSync(join(web, 'notes', 'drop.md'), 'x\n');
  writeFileSync(join(web, 'notes', 'keep.md'), 'y\n');

  after(async () => {
    for (const image of made)
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the context without what .dockerignore leaves out', async () => {
    assert.deepEqual(await contextFiles(web, 'Dockerfile'), [
      '.dockerignore',
      'Dockerfile',
      'app.txt',
      'notes/keep.md',
    ]);
  });

  it('builds <project>-<service>:<content hash> once; an ignored file does not change it, a sent one does', async () => {
    const first = await check();
    assert.match(first.image, /^bld-web:[0-9a-f]{12}$/);
    assert.ok(
      first.log.some((l) => l.startsWith(`build ${first.image}: `)),
      first.log.join('\n'),
    );
    assert.match(first.digest ?? '', /^sha256:[0-9a-f]{64}$/, 'a local build is recorded by its image ID');
    assert.equal((await docker.getImage(first.image).inspect()).Id, first.digest);

    writeFileSync(join(web, 'debug.log'), 'more noise\n');
    const again = await check();
    assert.equal(again.image, first.image);
    assert.deepEqual(
      again.log.filter((l) => l.startsWith('build ')),
      [],
      'an unchanged context is not rebuilt',
    );

    writeFileSync(join(web, 'app.txt'), 'v2\n');
    const changed = await check();
    assert.notEqual(changed.image, first.image);
  });

  it('stops on a failed build, naming the image and the failing step', async () => {
    writeFileSync(join(web, 'Dockerfile'), 'FROM stagecraft/base:bookworm\nRUN exit 3\n');
    await assert.rejects(check(), (e: unknown) => {
      assert.ok(e instanceof PreflightFailed);
      assert.match(
        e.message,
        /image bld-web:[0-9a-f]{12}: the build failed: .*exit code: 3|returned a non-zero code: 3/,
      );
      return true;
    });
  });
});
