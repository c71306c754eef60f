import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { buildContext } from '../../src/drivers/docker/build.ts';
import { pushImage } from '../../src/drivers/docker/pull.ts';
import { removeImage, startRegistry, type TestRegistry } from '../support/registry.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-registry-pull-'));
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const PASSWORD = 'right-horse-battery';

let registry: TestRegistry;
/** What the test pushed: the local image set under the official names a mirror serves, and one private app image. */
const pushed: string[] = [];

function spec(host: string, app: string): string {
  return `version: 1
environment: preview
server:
  host: local
  domain: regpull.localhost
  capacity: { cpus: 2, memory: 4GiB }
  images: { mirror: ${host}/ }
  registries:
    "${host}": { username: ci, password: { secret: REGISTRY_PASSWORD } }
  listen: { http: 29380 }
network: { shared: 10.252.0.0/24, projects: 10.253.0.0/16, projectSize: 24 }
ports: { postgres: 29400, redis: 29600, rabbitmq: 29800, app: 29900 }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  regpull:
    services:
      cache: { type: redis, version: "7", exporter: false, resources: { cpus: 0.1, memory: 64MiB } }
      worker:
        type: worker
        image: ${app}
        command: [sh, -c, "trap 'exit 0' TERM; while sleep 1; do :; done"]
        resources: { cpus: 0.05, memory: 32MiB }
`;
}

function stagecraft(args: string[], input?: string) {
  return spawnSync(join(root, 'bin', 'stagecraft'), args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    ...(input !== undefined ? { input } : {}),
  });
}

/** Every container on the engine (not only ours): a refused `up` must leave the list as it was. */
async function engineContainers(): Promise<string[]> {
  return (await docker.listContainers({ all: true })).map((c) => `${c.Names[0]} ${c.State}`).sort();
}

const untag = (ref: string) => removeImage(docker, ref);

/**
 * A private registry (Debian's docker-registry with htpasswd auth) as the mirror of the official
 * images and the home of the app's image: `up` pulls both with the credentials from
 * `server.registries`, and refuses, before it changes anything, when a pull cannot succeed.
 */
describe('up pulling from a private registry', () => {
  before(async () => {
    registry = await startRegistry('ci', PASSWORD);
    const auth = { username: 'ci', password: PASSWORD, serveraddress: registry.host };
    const r = registry.host;
    for (const [source, repository, tag] of [
      ['stagecraft/nginx:bookworm', `${r}/library/nginx`, '1.27'],
      ['stagecraft/nginx-exporter:bookworm', `${r}/nginx/nginx-prometheus-exporter`, '1.4'],
      ['stagecraft/redis:bookworm', `${r}/library/redis`, '7'],
    ] as const) {
      await pushImage(docker, source, repository, tag, auth);
      pushed.push(`${repository}:${tag}`);
    }
    // The app's image has a layer of its own, which the engine holds nowhere once it is removed.
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'Dockerfile'),
      `FROM stagecraft/demo-app:1\nRUN echo ${randomUUID()} > /tmp/stamp\n`,
    );
    const build = { context: app, files: ['Dockerfile'], dockerfile: 'Dockerfile', args: {} };
    await buildContext(docker, build, 'regpull-app:1', () => {});
    await pushImage(docker, 'regpull-app:1', `${r}/team/demo-app`, '1', auth);
    pushed.push(`${r}/team/demo-app:1`);
    await untag('regpull-app:1');
    // From nothing: the engine holds none of them under the registry's names.
    for (const ref of pushed) await untag(ref);
  });
  after(async () => {
    stagecraft(['down', '--volumes']);
    // Every reference under the registry's name: tags, and the digests a pull or rollback left.
    for (const image of await docker.listImages({ digests: true })) {
      const refs = [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])];
      for (const ref of refs) if (registry && ref.startsWith(`${registry.host}/`)) await untag(ref);
    }
    registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops with exit 1 when a subnet of the spec overlaps a network of the engine, before anything is written', async () => {
    writeFileSync(join(dir, 'staging.yaml'), spec(registry.host, `${registry.host}/team/demo-app:1`));
    assert.equal(stagecraft(['secrets', 'set', 'shared', 'REGISTRY_PASSWORD'], 'wrong').status, 0);
    const squatter = await docker.createNetwork({
      Name: 'regpull-squatter',
      IPAM: { Config: [{ Subnet: '10.252.0.0/25' }] },
    });
    try {
      const beforeUp = await engineContainers();
      const r = stagecraft(['up']);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        /network shared-monitoring: its subnet 10\.252\.0\.0\/24 overlaps the engine's network regpull-squatter \(10\.252\.0\.0\/25\)/,
      );
      assert.deepEqual(await engineContainers(), beforeUp);
      assert.equal(
        existsSync(join(dir, '.stagecraft', 'server')),
        false,
        'no layout (no certificate) was written',
      );
    } finally {
      await squatter.remove();
    }
  });

  it('stops with exit 1 on a wrong password, naming each image, before any container or file exists', async () => {
    const beforeUp = await engineContainers();
    const r = stagecraft(['up']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /nothing on the server was changed/);
    for (const image of ['library/nginx:1.27', 'library/redis:7', 'team/demo-app:1'])
      assert.match(
        r.stderr,
        new RegExp(
          `image ${registry.host}/${image}: the pull failed: .*(unauthorized|authentication required)`,
          'i',
        ),
      );
    assert.ok(!r.stderr.includes('wrong') && !r.stdout.includes('wrong'), 'the password is never printed');
    assert.deepEqual(await engineContainers(), beforeUp);
    assert.equal(existsSync(join(dir, '.stagecraft', 'server')), false, 'no layout was written');
  });

  it('comes up from nothing with the right password: the mirror for the official images, the credentials for the app', async () => {
    assert.equal(stagecraft(['secrets', 'set', 'shared', 'REGISTRY_PASSWORD'], PASSWORD).status, 0);
    const r = stagecraft(['up']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`pull ${registry.host}/team/demo-app:1: \\[[█░]+\\] \\d+/\\d+ layers`));
    const worker = await docker.getContainer('regpull-worker-1').inspect();
    assert.equal(worker.Config.Image, `${registry.host}/team/demo-app:1`);
    assert.equal(worker.State.Running, true);
    const cache = await docker.getContainer('regpull-cache').inspect();
    assert.equal(cache.Config.Image, `${registry.host}/library/redis:7`);
  });

  it('deploys another image with who made it, records digests, and rolls back to the digest even after the tag moved', async () => {
    const r = registry.host;
    const auth = { username: 'ci', password: PASSWORD, serveraddress: r };
    await pushImage(docker, 'stagecraft/base:bookworm', `${r}/team/demo-app`, '2', auth);
    pushed.push(`${r}/team/demo-app:2`);
    const first = (await docker.getImage(`${r}/team/demo-app:1`).inspect()).Id;
    const deployed = spawnSync(
      join(root, 'bin', 'stagecraft'),
      ['deploy', 'regpull', '--image', `worker=${r}/team/demo-app:2`],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', STAGECRAFT_ACTOR: 'release-bot' },
      },
    );
    assert.equal(deployed.status, 0, deployed.stderr);
    assert.match(deployed.stdout, /regpull deployed by release-bot/);
    assert.equal(
      (await docker.getContainer('regpull-worker-1').inspect()).Config.Image,
      `${r}/team/demo-app:2`,
    );

    const status = stagecraft(['status', '--json']);
    assert.equal(status.status, 0, status.stderr);
    const worker = (JSON.parse(status.stdout) as { replica: string; digest: string }[]).find(
      (x) => x.replica === 'regpull-worker-1',
    );
    assert.match(worker?.digest ?? '', new RegExp(`^${r}/team/demo-app@sha256:[0-9a-f]{64}$`));

    // The tag the first release ran now names another image on the engine.
    await docker.getImage('stagecraft/base:bookworm').tag({ repo: `${r}/team/demo-app`, tag: '1' });
    const back = stagecraft(['rollback', 'regpull']);
    assert.equal(back.status, 0, back.stderr);
    const after = await docker.getContainer('regpull-worker-1').inspect();
    assert.match(after.Config.Image, new RegExp(`^${r}/team/demo-app@sha256:`));
    assert.equal(
      after.Image,
      first,
      'the rollback runs the image the first release ran, not what :1 names now',
    );
  });

  it('stops with exit 1 on a tag the registry does not have, and on no tag, naming the tags the engine has', async () => {
    for (const [app, expected] of [
      [
        `${registry.host}/team/demo-app:9`,
        /team\/demo-app:9: the pull failed: .*(manifest unknown|not found)/i,
      ],
      [
        `${registry.host}/team/demo-app`,
        new RegExp(
          `team/demo-app: the pull failed: .*names no tag, so it means :latest.*it has ${registry.host}/team/demo-app:1`,
        ),
      ],
    ] as const) {
      writeFileSync(join(dir, 'staging.yaml'), spec(registry.host, app));
      const beforeUp = await engineContainers();
      const r = stagecraft(['up']);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, expected);
      assert.deepEqual(await engineContainers(), beforeUp, `${app}: no container changed`);
    }
  });
});
