import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { buildContext } from '../../src/drivers/docker/build.ts';
import { contextFiles } from '../../src/ops/preflight/build-context.ts';
import { httpRequest } from '../support/http.ts';

/**
 * examples/gw2 on this machine: the GW2 seed's FastAPI backend and nginx-served frontend built from
 * Debian packages on stagecraft's base image, with PostgreSQL and Redis, through the shared proxy
 * (port 8180, not the demo's); a CI-style deploy of another backend image, and a rollback to the
 * exact image the first release ran, even after its tag moved.
 */
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-gw2-'));
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const HOST = 'staging.gw2wvwbuilder.localhost';
const SECOND = 'gw2-backend:e2e-second';

function stagecraft(args: string[], input?: string) {
  const r = spawnSync(join(root, 'bin', 'stagecraft'), args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 900_000,
    env: { ...process.env, NO_COLOR: '1', STAGECRAFT_ACTOR: 'gw2-ci' },
    ...(input !== undefined ? { input } : {}),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Through the proxy with the project's Host (fetch may not set Host); a fresh connection each time. */
function get(path: string) {
  return httpRequest(8180, path, { host: HOST });
}

/** The backend's health through the proxy, once it answers with `version` (a rollout may still be moving). */
async function healthWith(version: string): Promise<Record<string, string>> {
  const deadline = Date.now() + 60_000;
  let last = { status: 0, body: '' };
  while (Date.now() < deadline) {
    last = await get('/api/v1/health');
    if (last.status === 200 && JSON.parse(last.body).version === version) return JSON.parse(last.body);
    // Slower than the proxy's 100/min per client, with its burst, allows.
    await new Promise((r) => setTimeout(r, 700));
  }
  assert.fail(`no healthy version ${version} through the proxy: ${last.status} ${last.body}`);
}

function backendDigest(): string {
  const r = stagecraft(['status', '--json']);
  assert.equal(r.code, 0, r.err);
  const row = (JSON.parse(r.out) as { replica: string; digest?: string }[]).find(
    (x) => x.replica === 'gw2-backend-1',
  );
  assert.ok(row?.digest, r.out);
  return row.digest;
}

let firstImage: string;
let firstTag: string;

describe('examples/gw2 up, deploy and rollback on this machine', () => {
  before(() => {
    cpSync(join(root, 'examples', 'gw2'), dir, { recursive: true });
    for (const name of ['SECRET_KEY', 'JWT_SECRET_KEY'])
      assert.equal(stagecraft(['secrets', 'set', 'gw2', name], `e2e-${name}`).code, 0);
  });
  after(async () => {
    stagecraft(['down', '--volumes']);
    // The first build's tag back on its image, so the next run finds it unchanged; the second one gone.
    if (firstTag && firstImage) {
      const [repo, tag] = firstTag.split(':');
      await docker.getImage(firstImage).tag({ repo: repo!, tag: tag! });
    }
    await docker
      .getImage(SECOND)
      .remove()
      .catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('up builds the backend and frontend and answers /api/v1/health and / through the proxy', async () => {
    const r = stagecraft(['up']);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const health = await healthWith('1');
    assert.deepEqual(
      { status: health.status, database: health.database, redis: health.redis },
      { status: 'ok', database: 'ok', redis: 'ok' },
      'the release step made the schema, and the app reaches its PostgreSQL and Redis',
    );
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>GW2 WvW Builder<\/title>/);
    const spa = await get('/builds/42');
    assert.equal(spa.status, 200, 'the single-page app answers its own routes with index.html');
    const c = await docker.getContainer('gw2-backend-1').inspect();
    firstTag = c.Config.Image;
    firstImage = c.Image;
    assert.match(firstTag, /^gw2-backend:[0-9a-f]{12}$/, 'tagged by the hash of its context');
  });

  it('deploy --image backend=<another build> rolls it; rollback returns to the exact previous image', async () => {
    const context = join(dir, 'backend');
    const files = await contextFiles(context, 'Dockerfile');
    await buildContext(
      docker,
      { context, files, dockerfile: 'Dockerfile', args: { VERSION: '2' } },
      SECOND,
      () => {},
    );
    const second = (await docker.getImage(SECOND).inspect()).Id;
    assert.notEqual(second, firstImage);
    assert.equal(backendDigest(), firstImage, 'a local build has no registry digest: its image ID');

    const d = stagecraft(['deploy', 'gw2', '--image', `backend=${SECOND}`]);
    assert.equal(d.code, 0, `${d.out}\n${d.err}`);
    assert.match(d.out, /gw2 deployed by gw2-ci/);
    await healthWith('2');
    assert.equal(backendDigest(), second);
    assert.equal((await get('/')).status, 200, 'the frontend kept running');

    // The first release's tag now names the second image: rollback must not follow it.
    const [repo, tag] = firstTag.split(':');
    await docker.getImage(second).tag({ repo: repo!, tag: tag! });
    const rb = stagecraft(['rollback', 'gw2']);
    assert.equal(rb.code, 0, `${rb.out}\n${rb.err}`);
    await healthWith('1');
    assert.equal(backendDigest(), firstImage);
    assert.equal((await docker.getContainer('gw2-backend-1').inspect()).Image, firstImage);
  });
});
