import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { childOutput } from '../support/child-output.ts';
import { docker } from '../support/docker-cli.ts';
import { freePort } from '../support/http.ts';

/**
 * Drift on the real engine, with a spec of this test's own (environment production, its own ports
 * and subnets): a replica stopped by hand and one joined to another network by hand show in `plan`,
 * `status` and `serve`'s `stagecraft_drift`; `up` repairs both; then nothing drifts.
 */
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-drift-engine-'));
const OTHER = 'driftcheck-by-hand';

const SPEC = `version: 1
environment: production
server:
  host: local
  domain: drift.localhost
  capacity: { cpus: 2, memory: 4GiB }
  images: local
  listen: { http: 28491 }
network: { shared: 10.250.0.0/24, projects: 10.251.0.0/16, projectSize: 24 }
ports: { postgres: 34700, redis: 34800, rabbitmq: 34900, app: 34600 }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  drifty:
    services:
      web:
        type: app
        image: stagecraft/demo-app:1
        replicas: 2
        resources: { cpus: 0.1, memory: 64MiB }
        health: { path: /health, interval: 10s, timeout: 2s, retries: 3, startPeriod: 2s }
`;

function stagecraft(...args: string[]) {
  const r = spawnSync(join(root, 'bin', 'stagecraft'), args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface DriftRow {
  project: string;
  container: string;
  kind: string;
  detail: string;
}

function planDrift(): DriftRow[] {
  const r = stagecraft('plan', '--json');
  assert.equal(r.code, 0, r.err);
  const drift = (JSON.parse(r.out) as { drift?: DriftRow[] }).drift;
  assert.ok(drift, 'plan --json has a drift list once up ran and the engine answers');
  return drift;
}

/** `serve`'s /metrics once its first look at the engine is done (it says what it saw). */
async function servedDriftMetrics(saw: RegExp): Promise<string> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const child = spawn(
    join(root, 'bin', 'stagecraft'),
    ['serve', '--listen', `127.0.0.1:${port}`, '--api', `127.0.0.1:${apiPort}`],
    { cwd: dir, env: { ...process.env, NO_COLOR: '1' } },
  );
  const output = childOutput(child);
  try {
    await output.until(saw, { timeoutMs: 60_000 });
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    return await res.text();
  } finally {
    child.kill('SIGTERM');
    assert.equal(await output.closed, 0, output.err);
  }
}

describe('drift on the real engine', () => {
  before(() => {
    writeFileSync(join(dir, 'staging.yaml'), SPEC);
    spawnSync('docker', ['network', 'rm', OTHER]);
    docker('network', 'create', '--label', 'io.stagecraft.test=drift', OTHER);
  });
  after(() => {
    stagecraft('down', '--volumes');
    spawnSync('docker', ['network', 'rm', OTHER]);
  });

  it('after up, nothing drifts', () => {
    const r = stagecraft('up');
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.deepEqual(planDrift(), []);
    assert.match(stagecraft('plan').out, /Drift from the spec on the engine\n {2}none/);
  });

  it('a replica stopped and one joined to another network by hand show in plan, status and the metric', async () => {
    docker('stop', 'drifty-web-1');
    docker('network', 'connect', OTHER, 'drifty-web-2');
    assert.deepEqual(
      planDrift().map((d) => [d.container, d.kind, d.detail]),
      [
        ['drifty-web-1', 'stopped', 'exited'],
        ['drifty-web-2', 'network', `joined ${OTHER} by hand`],
      ],
    );
    const text = stagecraft('plan').out;
    assert.match(text, /~ drifty-web-1 \(drifty\): stopped, exited/);
    assert.match(text, new RegExp(`~ drifty-web-2 \\(drifty\\): network, joined ${OTHER} by hand`));

    const status = stagecraft('status', '--json');
    assert.equal(status.code, 0, status.err);
    const rows = JSON.parse(status.out) as { replica: string; state: string; drift: DriftRow[] }[];
    const row = (name: string) => rows.find((r) => r.replica === name)!;
    assert.equal(row('drifty-web-1').state, 'exited');
    assert.deepEqual(
      row('drifty-web-1').drift.map((d) => d.kind),
      ['stopped'],
    );
    assert.deepEqual(
      row('drifty-web-2').drift.map((d) => d.kind),
      ['network'],
    );
    assert.match(stagecraft('status').out, /Drift from the spec on the engine\n {2}~ drifty-web-1/);

    const metrics = await servedDriftMetrics(/drift: drifty-web-1 stopped/);
    assert.match(metrics, /^stagecraft_drift\{project="drifty",kind="stopped"\} 1$/m);
    assert.match(metrics, /^stagecraft_drift\{project="drifty",kind="network"\} 1$/m);
    assert.match(metrics, /^stagecraft_drift\{project="drifty",kind="missing"\} 0$/m);
  });

  it('up repairs it: the stopped replica runs, the other has left the network; then nothing drifts', async () => {
    const r = stagecraft('up');
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.equal(docker('inspect', '-f', '{{.State.Running}}', 'drifty-web-1'), 'true');
    const networks = docker(
      'inspect',
      '-f',
      '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}',
      'drifty-web-2',
    );
    assert.ok(!networks.split(' ').includes(OTHER), networks);
    assert.deepEqual(planDrift(), []);
    const metrics = await servedDriftMetrics(/drift: none/);
    for (const kind of ['changed', 'stopped', 'missing', 'unexpected', 'network'])
      assert.match(metrics, new RegExp(`^stagecraft_drift\\{project="drifty",kind="${kind}"\\} 0$`, 'm'));
  });
});
