import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { docker } from '../support/docker-cli.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-flap-'));

function spec(version: string): string {
  return `version: 1
environment: preview
server:
  host: local
  domain: flap.localhost
  capacity: { cpus: 2, memory: 4GiB }
  images: local
  listen: { http: 28385 }
network: { shared: 10.242.0.0/24, projects: 10.243.0.0/16, projectSize: 24 }
ports: { postgres: 33400, redis: 33600, rabbitmq: 33800, app: 34000 }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  flap:
    services:
      web:
        type: app
        image: stagecraft/demo-app:1
        resources: { cpus: 0.1, memory: 64MiB }
        health: { path: /health, interval: 10s, timeout: 2s, retries: 3, startPeriod: 2s }
        env: { DEMO_VERSION: "${version}" }
        uses: [cache]
      cache: { type: redis, exporter: false, resources: { cpus: 0.05, memory: 64MiB } }
`;
}

function stagecraft(...args: string[]) {
  return spawnSync(join(root, 'bin', 'stagecraft'), args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
}

const health = (name: string) => docker('inspect', '-f', '{{.State.Health.Status}}', name);

/** The engine's word on the container once it is `wanted`, or its last word after two minutes. */
async function healthWithin(name: string, wanted: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  while (health(name) !== wanted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
  return health(name);
}

/**
 * A data service whose engine check flaps (here: Redis's password changed under it, so `redis-cli
 * ping` fails while Redis serves) must not block the deploy of an app it does not change; `up`
 * says so. A changed container that fails its gate still fails `up`. Real engine; the project is
 * this test's.
 */
describe('up and an unchanged container the engine calls unhealthy', () => {
  before(() => {
    writeFileSync(join(dir, 'staging.yaml'), spec('1'));
  });
  after(() => {
    stagecraft('down', '--volumes');
  });

  it('deploys the changed app, and warns about the unhealthy service it did not change', async () => {
    const first = stagecraft('up');
    assert.equal(first.status, 0, first.stderr);
    const cacheId = docker('inspect', '-f', '{{.Id}}', 'flap-cache');
    const webId = docker('inspect', '-f', '{{.Id}}', 'flap-web-1');
    docker(
      'exec',
      'flap-cache',
      'sh',
      '-c',
      'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" CONFIG SET requirepass another-one',
    );
    // Three failed checks, 10 s apart: poll the engine's word, not a fixed wait.
    assert.equal(await healthWithin('flap-cache', 'unhealthy'), 'unhealthy');

    writeFileSync(join(dir, 'staging.yaml'), spec('2'));
    const r = stagecraft('up');
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: flap-cache: the engine calls it unhealthy .*; it was not changed by this up, so the deploy went on/,
    );
    assert.equal(docker('inspect', '-f', '{{.Id}}', 'flap-cache'), cacheId, 'the cache was not touched');
    assert.notEqual(docker('inspect', '-f', '{{.Id}}', 'flap-web-1'), webId, 'the app was redeployed');
    // The gate passed on the app's own answer; the engine's first check follows within its interval.
    assert.equal(await healthWithin('flap-web-1', 'healthy'), 'healthy');
  });

  /** The spec with the app's command replaced: its new replica is broken. */
  const broken = (version: string, command: string) =>
    spec(version).replace('        uses: [cache]\n', `        uses: [cache]\n        command: ${command}\n`);

  it('still fails when a container it changes exits at once: the old replica serves, status says why', () => {
    writeFileSync(join(dir, 'staging.yaml'), broken('3', '["sh", "-c", "exit 3"]'));
    const r = stagecraft('up');
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /the new flap-web-1 failed its health gate, the old one keeps serving: flap-web-1-next (stopped \(exit code 3\)|exited)/,
    );
    assert.equal(docker('inspect', '-f', '{{.State.Health.Status}}', 'flap-web-1'), 'healthy');
    const status = stagecraft('status');
    assert.equal(status.status, 0, status.stderr);
    assert.match(
      status.stdout,
      /flap: the last release failed \(.*\): the new flap-web-1 failed its health gate/,
    );
  });

  it('fails when the new replica eats its memory limit, and says it ran out of memory', () => {
    writeFileSync(
      join(dir, 'staging.yaml'),
      broken('4', `["bash", "-c", "a=$(head -c 200000000 /dev/zero | tr '\\\\0' x)"]`),
    );
    const r = stagecraft('up');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /flap-web-1-next was killed at its memory limit \(out of memory\)/);
    assert.equal(docker('inspect', '-f', '{{.State.Health.Status}}', 'flap-web-1'), 'healthy');
    const json = JSON.parse(stagecraft('status', '--json').stdout) as {
      replica: string;
      lastRelease: { status: string; reason?: string } | null;
    }[];
    const web = json.find((x) => x.replica === 'flap-web-1');
    assert.equal(web?.lastRelease?.status, 'failed');
    assert.match(web?.lastRelease?.reason ?? '', /out of memory/);
  });
});
