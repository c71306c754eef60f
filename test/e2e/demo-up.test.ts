import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { LABEL, PROBE_ROLE } from '../../src/model/index.ts';
import { docker } from '../support/docker-cli.ts';
import { httpRequest } from '../support/http.ts';

/**
 * The main job, end to end, against the real Docker engine on this machine: the local image set,
 * `up` of examples/demo (shared stack and two projects), and what a user checks afterwards.
 * Traffic goes only to 127.0.0.1 and to the containers this test creates.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-e2e-'));
const specFile = join(dir, 'staging.yaml');
const original = readFileSync(join(root, 'examples', 'demo', 'staging.yaml'), 'utf8');

function stagecraft(args: string[], timeout = 600_000) {
  const r = spawnSync(bin, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The demo spec with env added to shop's web app (the first app in the file). */
function withShopEnv(env: string): string {
  const anchor = '        release: demo-app migrate\n';
  assert.ok(original.includes(anchor));
  return original.replace(anchor, `${anchor}        env: ${env}\n`);
}

function stagecraftAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function get(port: number, path: string, host?: string, method = 'GET', timeout = 5000) {
  return httpRequest(port, path, { host, method, timeoutMs: timeout });
}

/** The data of the newest `up` event in the state store (`unchanged` when the no-op fast path answered). */
function lastUpEvent(): { touched: string[]; unchanged?: boolean } {
  const db = new DatabaseSync(join(dir, '.stagecraft', 'state.db'));
  try {
    const row = db
      .prepare("SELECT data FROM stagecraft_events WHERE kind = 'up' ORDER BY id DESC LIMIT 1")
      .get() as { data: string };
    return JSON.parse(row.data);
  } finally {
    db.close();
  }
}

/** Requests on loopback until stopped, bounded in count; returns how many failed. */
function steadyLoad(port: number): {
  stop(): Promise<{ total: number; failed: number; versions: Set<string>; statuses: (number | string)[] }>;
} {
  let running = true;
  const stats = { total: 0, failed: 0, versions: new Set<string>(), statuses: [] as (number | string)[] };
  const loop = (async () => {
    while (running && stats.total < 20_000) {
      // A request that waits out a connect to a replica that just stopped is slow, not failed: allow 15 s.
      const r = await get(port, '/', undefined, 'GET', 15_000);
      stats.total++;
      if (r.status !== 200) {
        stats.failed++;
        stats.statuses.push(r.error ?? r.status);
      } else stats.versions.add(JSON.parse(r.body).version);
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return stats;
    },
  };
}

before(() => {
  cpSync(join(root, 'examples', 'demo', 'staging.yaml'), specFile);
  // The quick start leaves the demo running, with the same names and ports, its passwords in its
  // own state and set up in its volumes: this test starts from nothing, so it takes the demo down
  // first, data included (the quick start's next `up` starts it again, empty).
  const cleared = stagecraft(['down', '--volumes']);
  assert.equal(cleared.code, 0, cleared.err);
  const built = stagecraft(['images', 'build'], 1_200_000);
  assert.equal(built.code, 0, built.err);
});

after(() => {
  stagecraft(['down', '--volumes']);
});

describe('stagecraft up on examples/demo (real Docker engine)', () => {
  let shopWeb = 0;
  let blogWeb = 0;

  it('brings the shared stack and both projects up, and every route answers through the proxy and directly', async () => {
    const r = stagecraft(['up']);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const plan = JSON.parse(stagecraft(['plan', '--json']).out);
    shopWeb = plan.allocations.shop.ports.web;
    blogWeb = plan.allocations.blog.ports.web;
    for (const [host, project] of [
      ['shop.demo.localhost', 'shop'],
      ['blog.demo.localhost', 'blog'],
    ]) {
      const res = await get(8080, '/', host);
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).project, project);
    }
    assert.equal((await get(shopWeb, '/health')).status, 200);
    assert.equal(JSON.parse((await get(blogWeb, '/')).body).project, 'blog');
    const unknown = await get(8080, '/', 'nobody.demo.localhost');
    assert.deepEqual(
      [unknown.status, unknown.error],
      [0, 'ECONNRESET'],
      'unknown hosts are dropped: the proxy takes the connection and closes it with no answer',
    );
  });

  it('the demo app reaches its own database and cache, and cannot reach the other project’s database', async () => {
    assert.match((await get(shopWeb, '/db')).body, /"database": "ok"/);
    assert.match((await get(shopWeb, '/cache')).body, /"cache": "ok"/);
    const blogDb = docker(
      'inspect',
      'blog-db',
      '--format',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
    );
    assert.match(blogDb, /^\d+\.\d+\.\d+\.\d+$/);
    const probe = JSON.parse((await get(shopWeb, `/connect?host=${blogDb}&port=5432`)).body);
    assert.equal(probe.connected, false, 'shop cannot open a connection to blog’s database');
    assert.equal(
      JSON.parse((await get(shopWeb, '/connect?host=shop-db&port=5432')).body).connected,
      true,
      'the probe itself works',
    );
    assert.equal(JSON.parse((await get(shopWeb, '/connect?host=blog-db&port=5432')).body).connected, false);
  });

  it('Prometheus reports every project target up with its labels', async () => {
    const password = readFileSync(join(dir, '.stagecraft/secrets/shared/PROXY_ADMIN_PASSWORD'), 'utf8');
    const auth = Buffer.from(`admin:${password}`).toString('base64');
    let targets: { labels: Record<string, string>; health: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const body = await new Promise<string>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: 8080,
            path: '/api/v1/targets?state=active',
            headers: { Host: 'prometheus.demo.localhost', Authorization: `Basic ${auth}` },
            agent: false,
          },
          (res) => {
            let b = '';
            res.on('data', (c) => (b += c));
            res.on('end', () => resolve(b));
          },
        );
        req.on('error', () => resolve('{}'));
        req.end();
      });
      targets = (JSON.parse(body).data?.activeTargets ?? []).filter(
        (t: { labels: { project: string } }) => t.labels.project !== 'shared',
      );
      if (targets.length >= 7 && targets.every((t) => t.health === 'up')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const seen = targets.map((t) => `${t.labels.project}/${t.labels.service}:${t.health}`).sort();
    assert.deepEqual(
      [...new Set(seen)],
      ['blog/cache:up', 'blog/db:up', 'blog/web:up', 'shop/cache:up', 'shop/db:up', 'shop/web:up'],
    );
    assert.ok(targets.every((t) => t.labels.environment === 'staging'));
    assert.equal(
      targets.filter((t) => t.labels.project === 'shop' && t.labels.service === 'web').length,
      2,
      'each replica is a target',
    );
  });

  it('stagecraft logs shows each project’s lines', () => {
    for (const project of ['shop', 'blog']) {
      const r = stagecraft(['logs', project, 'web', '--since', '10m']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^${project}-web-1 \\| .*GET /`, 'm'));
    }
  });

  it('a second up changes nothing', () => {
    const before = docker('ps', '-q', '--no-trunc', '--filter', 'label=io.stagecraft.environment=staging')
      .split('\n')
      .sort();
    assert.ok(before.length >= 8 && before.every(Boolean), `the demo's containers are listed: ${before}`);
    const r = stagecraft(['up']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /converged in [\d.]+ s: 0 containers changed, 0 removed/);
    assert.match(r.out, /✓ shop\.demo\.localhost\/ → 200/);
    assert.deepEqual(
      docker('ps', '-q', '--no-trunc', '--filter', 'label=io.stagecraft.environment=staging')
        .split('\n')
        .sort(),
      before,
    );
    // Answered by the fast path: the first up left a record of what it converged.
    assert.equal(lastUpEvent().unchanged, true);
  });

  it('the no-op path trusts no layout file edited since: the next up puts it back', () => {
    const compose = join(dir, '.stagecraft', 'server', 'projects', 'shop', 'compose.yaml');
    const rendered = readFileSync(compose, 'utf8');
    writeFileSync(compose, `${rendered}# edited by hand\n`);
    const r = stagecraft(['up']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /0 containers changed/);
    assert.equal(readFileSync(compose, 'utf8'), rendered);
    assert.equal(lastUpEvent().unchanged, undefined, 'the full up ran');
    assert.equal(stagecraft(['up']).code, 0);
    assert.equal(lastUpEvent().unchanged, true, 'and the one after it is a no-op again');
  });

  /** `verify isolation`, trying only the host ports the demo publishes (no other host process is touched). */
  function verifyIsolation(json: boolean) {
    const plan = JSON.parse(stagecraft(['plan', '--json']).out) as {
      allocations: Record<string, { ports: Record<string, number> }>;
    };
    const ports = [8080, 8443, ...Object.values(plan.allocations).flatMap((a) => Object.values(a.ports))];
    return stagecraft(['verify', 'isolation', ...(json ? ['--json'] : []), '--host-ports', ports.join(',')]);
  }

  interface IsolationProbe {
    from: string;
    to: string;
    port: number;
    expect: string;
    seen: string;
    verdict: string;
  }
  const violations = (probes: IsolationProbe[]) =>
    probes
      .filter((p) => p.verdict === 'violation')
      .map((p) => `${p.from} → ${p.to}:${p.port}`)
      .sort();
  let baseline: string[] = [];

  it('verify isolation sees every needed path, and no project reaching another', () => {
    const r = verifyIsolation(true);
    const probes = JSON.parse(r.out) as IsolationProbe[];
    const needed = probes.filter((p) => p.expect === 'open');
    assert.ok(needed.length >= 20, `only ${needed.length} needed paths`);
    assert.deepEqual(
      needed.filter((p) => p.seen !== 'open').map((p) => `${p.from} → ${p.to}:${p.port} ${p.seen}`),
      [],
    );
    assert.ok(probes.some((p) => p.from === 'shop/*' && p.to === 'blog/db' && p.seen !== 'open'));
    baseline = violations(probes);
    assert.deepEqual(
      baseline.filter((v) => /→ (shop|blog)\//.test(v)),
      [],
      'no project reaches another, and the shared stack reaches only what it serves or scrapes',
    );
  });

  it('verify isolation passes on the demo with exit 0 and prints the matrix', () => {
    const r = verifyIsolation(false);
    assert.match(r.out, /shop\/\*\s+shop\/db\s+5432\s+reach\s+reached/);
    assert.match(r.out, /shop\/\*\s+blog\/db\s+5432\s+blocked\s+blocked/);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.match(r.out, /isolation holds: \d+ connects/);
  });

  it('a shop container joined to blog’s internal network fails verify isolation, naming the pair; leaving it restores it', async () => {
    const engine = new Docker();
    const blogInternal = engine.getNetwork('blog-internal');
    await blogInternal.connect({ Container: 'shop-web-1' });
    try {
      const r = verifyIsolation(false);
      assert.equal(r.code, 1, `${r.out}\n${r.err}`);
      assert.match(r.err, /shop\/\* reached blog\/db:5432 \(blog-db at [\d.]+ on blog-internal\)/);
      assert.match(r.out, /✗\s+shop\/\*\s+blog\/db\s+5432\s+blocked\s+reached/);
    } finally {
      await blogInternal.disconnect({ Container: 'shop-web-1', Force: true });
    }
    const again = violations(JSON.parse(verifyIsolation(true).out) as IsolationProbe[]);
    assert.deepEqual(
      again.filter((v) => /^(shop|blog)\/\* → (shop|blog)\//.test(v)),
      [],
      'no project reaches the other once shop-web-1 has left blog’s network',
    );
    assert.equal(
      docker('ps', '-aq', '--filter', `label=${LABEL.role}=${PROBE_ROLE}`),
      '',
      'the probe containers are gone',
    );
  });

  it('a new version rolls out with no failed request under a steady load', async () => {
    writeFileSync(specFile, withShopEnv('{ DEMO_VERSION: "2" }'));
    // As an `up` killed while the cache started would leave it: at the startup boost's one core,
    // with no restart policy.
    docker('update', '--cpus', '1', '--restart', 'no', 'shop-cache');
    const load = steadyLoad(shopWeb);
    // Not spawnSync: the load runs in this process and must keep going during the rollout.
    const r = await stagecraftAsync(['up', '--project', 'shop']);
    await new Promise((res) => setTimeout(res, 500));
    const stats = await load.stop();
    assert.equal(r.code, 0, r.err);
    // Started at one core with no restart policy, each new replica runs at its own limit and
    // policy once it passed its gate, on every network of the spec with its aliases; the cache
    // left boosted is back at its limit and policy.
    for (const name of ['shop-web-1', 'shop-web-2']) {
      assert.equal(docker('inspect', '-f', '{{.HostConfig.NanoCpus}}', name), '100000000');
      assert.equal(docker('inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', name), 'unless-stopped');
      const networks = JSON.parse(
        docker('inspect', '-f', '{{json .NetworkSettings.Networks}}', name),
      ) as Record<string, { Aliases: string[] | null }>;
      assert.deepEqual(Object.keys(networks).sort(), ['shop-edge', 'shop-internal', 'shop-metrics']);
      assert.ok(networks['shop-edge']!.Aliases?.includes('shop-web'), JSON.stringify(networks));
      assert.ok(networks['shop-internal']!.Aliases?.includes('web'), JSON.stringify(networks));
      assert.ok(networks['shop-metrics']!.Aliases?.includes('shop-web'), JSON.stringify(networks));
    }
    assert.equal(docker('inspect', '-f', '{{.HostConfig.NanoCpus}}', 'shop-cache'), '50000000');
    assert.equal(
      docker('inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', 'shop-cache'),
      'unless-stopped',
    );
    assert.match(
      r.out + r.err,
      /back at the spec's CPU limit and restart policy \(a start cut short changed them\): shop-cache/,
    );
    assert.ok(stats.total > 20, `only ${stats.total} requests`);
    assert.equal(
      stats.failed,
      0,
      `${stats.failed} of ${stats.total} requests failed: ${stats.statuses.join(', ')}`,
    );
    assert.equal(JSON.parse((await get(shopWeb, '/')).body).version, '2');
  });

  it('RabbitMQ at its default limits is healthy at rest: its engine check passes, check after check', async () => {
    // Its old check (rabbitmq-diagnostics, an Erlang VM a time) could not finish inside 0.25 CPU:
    // the engine called the broker unhealthy a minute after start, and every later up failed on it.
    const inspect = () =>
      JSON.parse(docker('inspect', '-f', '{{json .State.Health}}', 'shop-queue')) as {
        Status: string;
        FailingStreak: number;
        Log: { Start: string; ExitCode: number; Output: string }[];
      };
    assert.equal(docker('inspect', '-f', '{{.HostConfig.NanoCpus}}', 'shop-queue'), '250000000');
    // At rest: from the engine's first passing check on (one during the start may fail, within its
    // start period), five checks in a row. The engine keeps only its last five, so they are
    // gathered across readings.
    const seen = new Map<string, number>();
    const deadline = Date.now() + 180_000;
    let health = inspect();
    for (;;) {
      for (const l of health.Log) seen.set(l.Start, l.ExitCode);
      const fromFirstPass = [...seen.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, code]) => code)
        .filter((_, i, codes) => codes.indexOf(0) !== -1 && i >= codes.indexOf(0));
      if (fromFirstPass.length >= 5 || health.Status === 'unhealthy' || Date.now() > deadline) {
        assert.equal(health.Status, 'healthy', JSON.stringify(health));
        assert.deepEqual(fromFirstPass.slice(0, 5), [0, 0, 0, 0, 0], JSON.stringify([...seen]));
        break;
      }
      await new Promise((res) => setTimeout(res, 1000));
      health = inspect();
    }
  });

  it('a broken release fails its health gate: the old replicas keep serving and up exits 1', async () => {
    writeFileSync(specFile, withShopEnv('{ DEMO_VERSION: "3", DEMO_BROKEN: "1" }'));
    const r = stagecraft(['up', '--project', 'shop'], 300_000);
    assert.equal(r.code, 1);
    assert.match(r.err, /failed its health gate, the old one keeps serving/);
    const res = await get(shopWeb, '/');
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).version, '2');
    const status = JSON.parse(stagecraft(['status', '--json']).out) as {
      project: string;
      lastRelease: { status: string } | null;
    }[];
    assert.equal(status.find((s) => s.project === 'shop')?.lastRelease?.status, 'failed');
  });

  it('rollback redeploys the previous successful release with the same gates, and leaves the data alone', async () => {
    const dbBefore = docker('inspect', '-f', '{{.Id}}', 'shop-db');
    const r = stagecraft(['rollback', 'shop'], 300_000);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /shop rolled back to the release of/);
    // The spec still says version 3 (broken); the release before version 2 ran version 1.
    for (let i = 0; i < 3; i++) {
      const r = await get(shopWeb, '/');
      assert.equal(r.status, 200, r.body);
      assert.equal(JSON.parse(r.body).version, '1');
    }
    assert.equal(
      docker('inspect', '-f', '{{.Id}}', 'shop-db'),
      dbBefore,
      'the database container is untouched',
    );
    const status = stagecraft(['status', '--json']);
    assert.equal(status.code, 0, status.err);
    const releases = JSON.parse(status.out) as {
      project: string;
      lastRelease: { status: string } | null;
    }[];
    assert.equal(releases.find((s) => s.project === 'shop')?.lastRelease?.status, 'succeeded');
    // Version 2's release is now marked rolled back; every earlier success ran version 1: nothing to go back to.
    const again = stagecraft(['rollback', 'shop']);
    assert.equal(again.code, 1);
    assert.match(again.err, /shop cannot roll back: no earlier successful release that differs/);
  });

  it('a service removed from the spec is removed, and its volume kept', () => {
    const blogStart = original.indexOf('  blog:');
    const blog = original
      .slice(blogStart)
      .replace('        uses: [db, cache]\n', '        uses: [db]\n')
      .replace(/ {6}cache: .*\n/, '');
    writeFileSync(specFile, original.slice(0, blogStart) + blog);
    const r = stagecraft(['up', '--project', 'blog']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /[1-9]\d* removed/);
    assert.equal(docker('ps', '-aq', '--filter', 'name=^blog-cache$'), '');
    assert.equal(docker('volume', 'ls', '-q', '--filter', 'name=^blog-cache-data$'), 'blog-cache-data');
  });

  it('down keeps the data volumes, and a later up finds the data still there', async () => {
    writeFileSync(specFile, original);
    assert.equal(stagecraft(['up']).code, 0);
    assert.equal((await get(shopWeb, '/items?name=kept', undefined, 'POST')).status, 201);
    const count = JSON.parse((await get(shopWeb, '/db')).body).items;
    assert.ok(count >= 1);
    const down = stagecraft(['down']);
    assert.equal(down.code, 0, down.err);
    assert.match(down.out, /data volumes kept/);
    assert.equal(docker('ps', '-aq', '--filter', 'label=io.stagecraft.environment=staging'), '');
    const up = stagecraft(['up']);
    assert.equal(up.code, 0, up.err);
    const after = await get(shopWeb, '/db');
    assert.equal(after.status, 200, after.body);
    assert.equal(JSON.parse(after.body).items, count);
  });
});
