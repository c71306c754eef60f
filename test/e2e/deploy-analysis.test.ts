import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore, type ReleaseRecord } from '../../src/state/index.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-analysis-'));
const APP_PORT = 36400;

/**
 * The demo app with no database: `/` answers 200, `/db` 500 (DATABASE_URL is not set), so a load
 * chooses whether the release fails its users. Prometheus scrapes every 2s; the window is 15s.
 */
function spec(version: string): string {
  return `version: 1
environment: preview
server:
  host: local
  domain: canary.localhost
  capacity: { cpus: 2, memory: 4GiB }
  images: local
  listen: { http: 28394 }
network: { shared: 10.220.0.0/24, projects: 10.221.0.0/16, projectSize: 24 }
ports: { postgres: 35800, redis: 36000, rabbitmq: 36200, app: ${APP_PORT} }
shared:
  proxy: { tls: none, resources: { cpus: 0.2, memory: 64MiB } }
  monitoring:
    prometheus: { scrapeInterval: 2s, resources: { cpus: 0.3, memory: 256MiB } }
    grafana: false
    loki: false
    alertmanager: false
    cadvisor: false
    nodeExporter: false
projects:
  canary:
    deploy:
      analysis: { window: 15s, errorRate: 10%, latencyP95: 2s, minRequests: 20 }
    services:
      web:
        type: app
        image: stagecraft/demo-app:1
        resources: { cpus: 0.1, memory: 64MiB }
        health: { path: /health, interval: 2s, timeout: 2s, retries: 3, startPeriod: 2s }
        env: { DEMO_VERSION: "${version}" }
`;
}

/**
 * Runs `up` on the spec of `version`; once it says the analysis started, sends `path` to the app's
 * port through the proxy (about 25 requests a second) until `up` ends.
 */
async function upUnderLoad(
  version: string,
  path?: string,
): Promise<{ code: number | null; out: string; err: string; sent: number }> {
  writeFileSync(join(dir, 'staging.yaml'), spec(version));
  const child = spawn(join(root, 'bin', 'stagecraft'), ['up'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  let loading = false;
  let sent = 0;
  child.stdout.on('data', (d) => {
    out += d;
  });
  const load = async () => {
    while (child.exitCode === null) {
      await Promise.all(
        [0, 1].map(() =>
          fetch(`http://127.0.0.1:${APP_PORT}${path}`)
            .then((r) => r.arrayBuffer())
            .then(
              () => sent++,
              () => undefined,
            ),
        ),
      );
      await new Promise((r) => setTimeout(r, 80));
    }
  };
  child.stderr.on('data', (d) => {
    err += d;
    if (path && !loading && err.includes('analysing the release')) {
      loading = true;
      void load();
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, out, err, sent };
}

async function releases(): Promise<ReleaseRecord[]> {
  const store = await openStore({ path: join(dir, '.stagecraft', 'state.db') });
  try {
    return await store.listReleases('canary');
  } finally {
    await store.close();
  }
}

const running = () =>
  spawnSync('docker', ['inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', 'canary-web-1'], {
    encoding: 'utf8',
  }).stdout;

/**
 * The deploy analysis against the real engine and the real Prometheus of the local image set:
 * nginx → mtail → Prometheus, read by `up` after its gates.
 */
describe('deploy analysis (automatic rollback)', () => {
  before(() => {
    writeFileSync(join(dir, 'staging.yaml'), spec('1'));
  });
  after(() => {
    const down = spawnSync(join(root, 'bin', 'stagecraft'), ['down', '--volumes'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(down.status, 0, down.stderr);
  });

  it('no load: no verdict, the release stays, recorded unverified, exit 0', async (t) => {
    const r = await upUnderLoad('1');
    t.diagnostic(r.out.trim());
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /canary: release unverified: fewer than 20 requests .* no verdict; it stays/);
    const [first] = await releases();
    assert.equal(first?.status, 'succeeded');
    assert.equal(first?.analysis?.verdict, 'unverified');
    assert.ok((first?.analysis?.apps[0]?.requests ?? 99) < 20, JSON.stringify(first?.analysis));
  });

  it('a load that succeeds: the release is kept, verified, with its figures', async (t) => {
    const r = await upUnderLoad('2', '/');
    t.diagnostic(`${r.sent} requests sent; ${r.out.trim()}`);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /canary: release verified over 15s \(web: \d+ requests, 0% 5xx, p95 \d+(\.\d+)?s\)/);
    const second = (await releases()).at(-1);
    assert.equal(second?.status, 'succeeded');
    assert.equal(second?.analysis?.verdict, 'verified');
    const web = second?.analysis?.apps.find((a) => a.service === 'web');
    assert.ok(web && web.requests >= 20 && web.errors === 0, JSON.stringify(second?.analysis));
    assert.ok(web.latencyP95 !== null && web.latencyP95 > 0 && web.latencyP95 < 2, `p95 ${web.latencyP95}`);
    assert.ok(web.requests <= r.sent, `counted ${web.requests} of the ${r.sent} requests sent`);
    assert.match(running(), /DEMO_VERSION=2/);
  });

  it('a load that fails: rolled back by itself to the last good release, recorded with the figures, exit 1', async (t) => {
    const r = await upUnderLoad('3', '/db');
    t.diagnostic(
      `${r.sent} requests sent; ${r.err
        .split('\n')
        .filter((l) => /error|rolling back/.test(l))
        .join(' | ')}`,
    );
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(
      r.err,
      /canary: release \S+ went over the deploy analysis' thresholds \(web: \d+(\.\d)?% of \d+ requests failed \(above 10%\)\); rolled back to release/,
    );
    assert.doesNotMatch(r.out, /release verified|converged/);
    const all = await releases();
    const bad = all.find((x) => x.analysis?.verdict === 'rolled-back');
    assert.equal(bad?.status, 'rolled-back');
    const web = bad?.analysis?.apps.find((a) => a.service === 'web');
    assert.ok(web && web.requests >= 20 && (web.errorRate ?? 0) > 0.1, JSON.stringify(bad?.analysis));
    assert.match(running(), /DEMO_VERSION=2/, 'the verified release runs again');
    assert.equal(all.at(-1)?.reason, `rollback to ${all[1]?.id}`);
  });
});
