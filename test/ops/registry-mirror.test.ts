import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { buildContext } from '../../src/drivers/docker/build.ts';
import { pullImage, pushImage } from '../../src/drivers/docker/pull.ts';
import { volumeSizes } from '../../src/drivers/docker/volume-size.ts';
import { defaultBridgeGateway } from '../support/bridge-gateway.ts';
import { freePort } from '../support/http.ts';
import { removeImage, startRegistry, type TestRegistry } from '../support/registry.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-registry-mirror-'));
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const PASSWORD = 'mirror-upstream-horse';

let upstream: TestRegistry;
/** The upstream as the mirror's container reaches it: a forwarder on the default bridge's gateway. */
let bridge: Server;
let upstreamUrl: string;
let mirrorPort: number;
const removed: string[] = [];

function spec(): string {
  return `version: 1
environment: preview
server:
  host: local
  domain: mirror.localhost
  capacity: { cpus: 2, memory: 4GiB }
  images: local
  listen: { http: 29480 }
network: { shared: 10.250.0.0/24, projects: 10.251.0.0/16, projectSize: 24 }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
  registryMirror: { upstream: "${upstreamUrl}", port: ${mirrorPort} }
projects: {}
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

/**
 * `up`, without blocking this process: the upstream's forwarder runs here, and the mirror asks the
 * upstream for its auth challenge when it starts.
 */
function stagecraftUp(): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(root, 'bin', 'stagecraft'), ['up'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

const untag = (ref: string) => removeImage(docker, ref);

/**
 * `shared.registryMirror` against a real upstream: Debian's docker-registry with htpasswd auth
 * (the test's own), which the mirror (the local image set's docker-registry in proxy mode) reaches
 * with the credentials of `server.registries`. The engine pulls through the mirror on 127.0.0.1;
 * the second pull, with the upstream stopped, can only come from the mirror's cache.
 */
describe('the registry mirror in the shared stack', () => {
  before(async () => {
    upstream = await startRegistry('ci', PASSWORD, false);
    const gateway = await defaultBridgeGateway(docker);
    assert.ok(gateway, 'the default bridge has an IPv4 gateway');
    const upstreamPort = Number(upstream.host.split(':')[1]);
    bridge = createServer((socket) => {
      const target = connect(upstreamPort, '127.0.0.1');
      socket.pipe(target).pipe(socket);
      target.on('error', () => socket.destroy());
      socket.on('error', () => target.destroy());
    });
    await new Promise<void>((resolve) => bridge.listen(0, gateway, resolve));
    upstreamUrl = `http://${gateway}:${(bridge.address() as { port: number }).port}`;
    mirrorPort = await freePort();

    // An image with a layer of its own, pushed to the upstream only.
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'Dockerfile'),
      `FROM stagecraft/base:bookworm\nRUN echo ${randomUUID()} > /stamp\n`,
    );
    await buildContext(
      docker,
      { context: app, files: ['Dockerfile'], dockerfile: 'Dockerfile', args: {} },
      'mirror-app:1',
      () => {},
    );
    await pushImage(docker, 'mirror-app:1', `${upstream.host}/team/app`, '1', {
      username: 'ci',
      password: PASSWORD,
      serveraddress: upstream.host,
    });
    removed.push('mirror-app:1', `${upstream.host}/team/app:1`);
    writeFileSync(join(dir, 'staging.yaml'), spec());
  });
  after(async () => {
    stagecraft(['down', '--volumes']);
    for (const ref of removed) await untag(ref);
    upstream?.stop();
    bridge?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('up runs it healthy, published on 127.0.0.1 only, with its own volume', async () => {
    const r = await stagecraftUp();
    const logs = spawnSync('docker', ['logs', '--tail', '30', 'shared-registry'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stderr}\nshared-registry's log:\n${logs.stdout}${logs.stderr}`);
    const c = await docker.getContainer('shared-registry').inspect();
    assert.equal(c.Config.Image, 'stagecraft/registry:bookworm');
    const v2 = await fetch(`http://127.0.0.1:${mirrorPort}/v2/`);
    assert.equal(v2.status, 200, 'up waited for its health check: it answers');
    assert.deepEqual(c.HostConfig.PortBindings?.['5000/tcp'], [
      { HostIp: '127.0.0.1', HostPort: `${mirrorPort}` },
    ]);
    assert.ok(c.Mounts.some((m) => m.Type === 'volume' && m.Name === 'shared-registry-data'));
  });

  it('serves a pull of an upstream image, and a second pull from its cache with the upstream stopped', async () => {
    const through = `127.0.0.1:${mirrorPort}/team/app`;
    removed.push(`${through}:1`);
    // The engine holds none of it (but the Debian base layers): the first pull moves its blobs through the mirror.
    const pushedId = (await docker.getImage('mirror-app:1').inspect()).Id;
    for (const ref of removed) await untag(ref);
    await pullImage(docker, through, '1', undefined, () => {});
    assert.equal((await docker.getImage(`${through}:1`).inspect()).Id, pushedId, 'the image pushed upstream');

    // Gone from the engine again, and the upstream stopped: only the mirror's cache can answer.
    await untag(`${through}:1`);
    upstream.stop();
    const down = await fetch(`${upstreamUrl}/v2/`).then(
      (x) => x.status,
      () => 0,
    );
    assert.equal(down, 0, 'the upstream no longer answers');
    await pullImage(docker, through, '1', undefined, () => {});
    assert.equal((await docker.getImage(`${through}:1`).inspect()).Id, pushedId);

    const sizes = await volumeSizes(docker, ['shared-registry-data']);
    assert.ok(
      (sizes.get('shared-registry-data') ?? 0) > 0,
      `the engine counts what the cache holds: ${[...sizes]}`,
    );
  });
});
