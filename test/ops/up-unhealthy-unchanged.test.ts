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
    const deadline = Date.now() + 120_000;
    while (health('flap-cache') !== 'unhealthy' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1000));
    assert.equal(health('flap-cache'), 'unhealthy');

    writeFileSync(join(dir, 'staging.yaml'), spec('2'));
    const r = stagecraft('up');
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: flap-cache: the engine calls it unhealthy .*; it was not changed by this up, so the deploy went on/,
    );
    assert.equal(docker('inspect', '-f', '{{.Id}}', 'flap-cache'), cacheId, 'the cache was not touched');
    assert.notEqual(docker('inspect', '-f', '{{.Id}}', 'flap-web-1'), webId, 'the app was redeployed');
    assert.equal(docker('inspect', '-f', '{{.State.Health.Status}}', 'flap-web-1'), 'healthy');
  });

  it('still fails when a container it changes does not pass its gate', () => {
    // The app's new replica exits at once: up fails on it, and the old replica keeps serving.
    writeFileSync(
      join(dir, 'staging.yaml'),
      spec('3').replace('        uses: [cache]\n', '        uses: [cache]\n        command: "exit 3"\n'),
    );
    const r = stagecraft('up');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the new flap-web-1 failed its health gate, the old one keeps serving/);
    assert.equal(docker('inspect', '-f', '{{.State.Health.Status}}', 'flap-web-1'), 'healthy');
  });
});
