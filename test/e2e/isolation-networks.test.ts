import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/state/index.ts';
import { childOutput } from '../support/child-output.ts';
import { docker } from '../support/docker-cli.ts';
import { freePort, httpRequest } from '../support/http.ts';

/**
 * Isolation enforced by the networks, against the real engine: one project with PostgreSQL, Redis
 * and RabbitMQ with its management UI, and an app with metrics. `verify isolation` finds no pair
 * the networks leave open (`~`), the UI answers through the proxy, and the control plane's
 * /metrics reaches Prometheus and nobody else. Its own environment (`production`), names, subnets
 * and ports; everything it made is removed at the end.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-netlab-'));
const HTTP = 28970;
const SPEC = `version: 1
environment: production
server:
  host: local
  domain: netlab.localhost
  capacity: { cpus: 4, memory: 8GiB }
  images: local
  listen: { http: ${HTTP}, https: ${HTTP + 1} }
network: { shared: 10.238.0.0/24, projects: 10.239.0.0/16, projectSize: 24 }
ports: { postgres: 29110, redis: 29120, rabbitmq: 29130, app: 29140 }
shared:
  proxy: { tls: none }
  monitoring:
    prometheus: { scrapeInterval: 2s }
    grafana: false
    loki: false
    alertmanager: false
    cadvisor: false
    nodeExporter: false
projects:
  netlab:
    services:
      web:
        type: app
        image: stagecraft/demo-app:1
        resources: { cpus: 0.1, memory: 64MiB }
        health: { path: /health, interval: 10s, timeout: 2s, retries: 3, startPeriod: 2s }
        metrics: { path: /metrics }
        uses: [db, cache, queue]
      db: { type: postgres, resources: { cpus: 0.2, memory: 256MiB } }
      cache: { type: redis, resources: { cpus: 0.05, memory: 64MiB } }
      queue: { type: rabbitmq, ui: true }
      nightly: { type: cron, image: stagecraft/base:bookworm, schedule: "0 4 * * *", command: "true" }
`;

function stagecraft(args: string[]) {
  const r = spawnSync(bin, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A command in a running container: its exit code and output (both streams). */
function exec(container: string, ...cmd: string[]): { code: number | null; out: string } {
  const r = spawnSync('docker', ['exec', container, ...cmd], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function addressOn(container: string, network: string): string {
  return docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container);
}

function get(path: string, host: string) {
  return httpRequest(HTTP, path, { host, timeoutMs: 10_000 });
}

/** Asks again until `ok` holds or the deadline passes; returns the last answer. */
async function until<T>(ask: () => T | Promise<T>, ok: (t: T) => boolean, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const t = await ask();
    if (ok(t) || Date.now() > deadline) return t;
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface IsolationProbe {
  from: string;
  to: string;
  port: number;
  expect: string;
  seen: string;
  verdict: string;
}

describe('networks enforce isolation: postgres, redis and rabbitmq with its UI', () => {
  before(() => {
    writeFileSync(join(dir, 'staging.yaml'), SPEC);
    const r = stagecraft(['up']);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
  });

  after(() => {
    const r = stagecraft(['down', '--volumes']);
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.code, 0, r.err);
  });

  it('verify isolation: every needed path open, nothing forbidden reached, and no pair left to configuration (~)', () => {
    const ports = [HTTP, 29110, 29120, 29130, 29140];
    const r = stagecraft(['verify', 'isolation', '--json', '--host-ports', ports.join(',')]);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const probes = JSON.parse(r.out) as IsolationProbe[];
    const show = (p: IsolationProbe) => `${p.from} → ${p.to}:${p.port} ${p.seen}`;
    assert.deepEqual(probes.filter((p) => p.verdict !== 'ok').map(show), []);
    assert.ok(!probes.some((p) => p.expect === 'either' && p.from.startsWith('shared/')), 'no ~ pair');
    const seen = (from: string, to: string, port: number) =>
      probes.filter((p) => p.from === from && p.to === to && p.port === port).map((p) => p.seen);
    assert.ok(seen('shared/proxy', 'netlab/queue', 15672).includes('open'), 'the UI, through its gate');
    for (const [from, to, port] of [
      ['shared/proxy', 'netlab/queue', 5672],
      ['shared/prometheus', 'netlab/queue', 5672],
      ['shared/prometheus', 'netlab/queue', 15672],
      ['shared/proxy', 'netlab/db-exporter', 9187],
      ['shared/proxy', 'netlab/cache-exporter', 9121],
    ] as const) {
      const outcomes = seen(from, to, port);
      assert.ok(outcomes.length > 0 && !outcomes.includes('open'), `${from} → ${to}:${port}: ${outcomes}`);
    }
    assert.ok(seen('shared/prometheus', 'netlab/db-exporter', 9187).includes('open'));
    assert.ok(seen('netlab/*', 'netlab/queue', 5672).includes('open'));
  });

  it('the management UI answers through the proxy, and the text output shows no ~', async () => {
    const ui = await until(
      () => get('/api/overview', 'rabbitmq.netlab.netlab.localhost'),
      (r) => r.status === 401,
    );
    assert.equal(ui.status, 401, 'the management API asks for its login: the broker answered');
    const r = stagecraft(['verify', 'isolation', '--host-ports', String(HTTP)]);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /~/);
  });

  it('serve’s /metrics reaches Prometheus, and neither a project container nor another shared one', async () => {
    const store = await openStore({ path: join(dir, '.stagecraft', 'state.db') });
    await store.addEvent({
      project: 'netlab',
      kind: 'cron',
      message: 'cron nightly succeeded',
      data: {
        service: 'nightly',
        ok: true,
        outcome: 'succeeded',
        code: 0,
        startedAt: '2030-01-01T04:00:00.000Z',
      },
    });
    await store.close();
    const listen = await freePort();
    const api = await freePort();
    const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${listen}`, '--api', `127.0.0.1:${api}`], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const output = childOutput(child);
    try {
      await output.until(/metrics\.sock:\/metrics/);
      const proxy = addressOn('shared-proxy', 'shared-monitoring');
      const prometheus = addressOn('shared-prometheus', 'shared-monitoring');

      // Prometheus scrapes it: its own API has the series, labelled with the project.
      const query = `http://${prometheus}:9090/api/v1/query?query=stagecraft_cron_last_run_success`;
      const answer = await until(
        () => exec('shared-prometheus', 'wget', '-q', '-O', '-', query).out,
        (out) => out.includes('"project":"netlab"'),
      );
      assert.match(answer, /"__name__":"stagecraft_cron_last_run_success"/);
      assert.match(answer, /"service":"nightly"/);
      assert.match(answer, /"value":\[[\d.]+,"1"\]/);

      // A project container: not on any address of the proxy, not on the host's bridges.
      const curl = (url: string) =>
        exec('netlab-web-1', 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '3', url);
      const gateway = docker(
        'network',
        'inspect',
        '-f',
        '{{range .IPAM.Config}}{{.Gateway}}{{end}}',
        'netlab-internal',
      );
      const bridge = docker(
        'network',
        'inspect',
        '-f',
        '{{range .IPAM.Config}}{{.Gateway}}{{end}}',
        'bridge',
      );
      // The checks have teeth: from the same container, curl reaches its own app and the proxy's edge address.
      assert.equal(curl('http://127.0.0.1:8000/health').out, '200');
      const edgeProxy = addressOn('shared-proxy', 'netlab-edge');
      const routed = exec(
        'netlab-web-1',
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--max-time',
        '3',
        '-H',
        'Host: rabbitmq.netlab.netlab.localhost',
        `http://${edgeProxy}:80/api/overview`,
      );
      assert.equal(routed.out, '401', 'the proxy answers on its edge address');
      for (const url of [
        `http://${edgeProxy}:9300/metrics`,
        `http://${proxy}:9300/metrics`,
        `http://${gateway}:${listen}/metrics`,
        `http://${gateway}:9300/metrics`,
        ...(bridge ? [`http://${bridge}:${listen}/metrics`] : []),
      ]) {
        const r = curl(url);
        assert.notEqual(r.code, 0, `netlab-web-1 reached ${url}: ${r.out}`);
      }
      assert.notEqual(
        exec('netlab-web-1', 'ls', '/run/stagecraft-control-plane').code,
        0,
        'no socket folder',
      );

      // Another container on the shared network reaches the listener, and the proxy turns it away.
      const name = `netlab-shared-probe-${process.pid}`;
      docker(
        'run',
        '-d',
        '--name',
        name,
        '--label',
        'io.stagecraft.environment=production',
        '--label',
        'io.stagecraft.role=probe',
        '--network',
        'shared-monitoring',
        'stagecraft/demo-app:1',
        'sleep',
        '120',
      );
      try {
        const r = exec(
          name,
          'curl',
          '-sS',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '--max-time',
          '5',
          `http://${proxy}:9300/metrics`,
        );
        assert.equal(r.out, '403', 'only Prometheus’ address passes');
      } finally {
        docker('rm', '-f', name);
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await output.closed, 0, output.err);
  });
});
