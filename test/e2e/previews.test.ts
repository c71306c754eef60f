import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LABEL } from '../../src/model/index.ts';
import { secretsDirFor, serverDirFor, stateLocation } from '../../src/ops/locations.ts';
import { expirePreviews } from '../../src/ops/previews/expiry.ts';
import { loadSpecFile } from '../../src/spec/index.ts';
import { openSecretStore, openStore } from '../../src/state/index.ts';
import { docker } from '../support/docker-cli.ts';
import { httpRequest } from '../support/http.ts';

/**
 * Previews end to end on the real engine: a project `notes` (the demo app and a local PostgreSQL),
 * previews of it restored from its verified backup, each on its own host through the proxy, with
 * its own data and secrets, renewed, isolated, expired by `serve`'s expiry and taken down. Its own
 * environment, ports and subnets (not examples/demo's). Traffic only to 127.0.0.1.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-previews-'));
const specFile = join(dir, 'staging.yaml');
const HTTP = 28680;
const APP_PORTS = 28800;

const SPEC = `version: 1
environment: production
server:
  host: local
  domain: pv.localhost
  capacity: { cpus: 2, memory: 4GiB }
  listen: { http: ${HTTP}, https: ${HTTP + 1} }
  images: local
  backupDir: ${join(dir, 'backups')}
network: { shared: 10.250.0.0/24, projects: 10.251.0.0/16, projectSize: 24 }
ports: { postgres: 28700, redis: 28750, rabbitmq: 28770, app: ${APP_PORTS} }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  notes:
    previews: { ttl: 2h, max: 2, data: from-backup }
    services:
      web:
        type: app
        image: stagecraft/demo-app:1
        resources: { cpus: 0.1, memory: 64MiB }
        health: { path: /health, interval: 2s, timeout: 2s, retries: 3, startPeriod: 1s }
        release: demo-app migrate
        secrets: [APP_KEY]
        uses: [db]
      db:
        type: postgres
        exporter: false
        resources: { cpus: 0.2, memory: 256MiB }
        backup: { schedule: "0 3 * * *" }
`;

function stagecraft(args: string[], input?: string) {
  const r = spawnSync(bin, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, NO_COLOR: '1' },
    ...(input === undefined ? {} : { input }),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(args: string[], input?: string): string {
  const r = stagecraft(args, input);
  assert.equal(r.code, 0, `stagecraft ${args.join(' ')}:\n${r.out}\n${r.err}`);
  return r.out;
}

/** Through the shared proxy on 127.0.0.1 with a Host header; a fresh connection each time. */
function viaProxy(host: string, path: string, method = 'GET') {
  return httpRequest(HTTP, path, { host, method, timeoutMs: 10_000 });
}

async function json(host: string, path: string, method = 'GET'): Promise<Record<string, unknown>> {
  const r = await viaProxy(host, path, method);
  assert.ok(r.status === 200 || r.status === 201, `${method} ${host}${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

const labelsOf = (kind: 'container' | 'network' | 'volume', name: string) =>
  JSON.parse(
    docker(
      kind,
      'inspect',
      '--format',
      kind === 'container' ? '{{json .Config.Labels}}' : '{{json .Labels}}',
      name,
    ),
  ) as Record<string, string>;

const envOf = (container: string) =>
  Object.fromEntries(
    (
      JSON.parse(docker('container', 'inspect', '--format', '{{json .Config.Env}}', container)) as string[]
    ).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );

/** Every object the engine has of the project, by label: what a removal must leave at nothing. */
function objectsOf(project: string): string[] {
  const filter = `label=${LABEL.project}=${project}`;
  return [
    ...docker('ps', '-a', '--filter', filter, '--format', 'container {{.Names}}').split('\n'),
    ...docker('network', 'ls', '--filter', filter, '--format', 'network {{.Name}}').split('\n'),
    ...docker('volume', 'ls', '--filter', filter, '--format', 'volume {{.Name}}').split('\n'),
  ].filter(Boolean);
}

interface Row {
  project: string;
  name: string;
  url: string;
  createdAt: string;
  expiresAt: string;
  images: Record<string, string>;
}
const list = () => JSON.parse(ok(['preview', 'list', '--json'])) as Row[];

before(() => {
  writeFileSync(specFile, SPEC);
  ok(['secrets', 'set', 'notes', 'APP_KEY'], 'the-project-key');
});

after(() => {
  stagecraft(['down', '--volumes']);
  rmSync(dir, { recursive: true, force: true });
});

describe('previews on the real engine', () => {
  it('the project comes up with three items, backed up and verified', async () => {
    ok(['up']);
    for (const name of ['a', 'b', 'c']) await json('notes.pv.localhost', `/items?name=${name}`, 'POST');
    assert.equal((await json('notes.pv.localhost', '/db')).items, 3);
    ok(['backup', 'notes']);
    ok(['verify-restore', 'notes']);
  });

  it('preview up of a branch: its own host, its own copy of the data from the verified backup, its own secrets, its labels', async () => {
    const out = ok(['preview', 'up', 'notes', 'feat/Login']);
    assert.match(out, /preview feat-login of notes up at http:\/\/feat-login\.notes\.pv\.localhost:28680\//);
    assert.match(out, /data from notes-db-/);
    const host = 'feat-login.notes.pv.localhost';
    assert.equal((await json(host, '/')).project, 'notes--feat-login');
    assert.equal((await json(host, '/db')).items, 3, 'restored from the backup');
    await json(host, '/items?name=only-in-the-preview', 'POST');
    assert.equal((await json(host, '/db')).items, 4);
    assert.equal((await json('notes.pv.localhost', '/db')).items, 3, 'the project keeps its own data');

    const own = envOf('notes-web-1');
    const preview = envOf('notes--feat-login-web-1');
    assert.equal(own.APP_KEY, 'the-project-key');
    assert.ok(preview.APP_KEY && preview.APP_KEY !== own.APP_KEY, 'a secret generated for the preview');
    assert.notEqual(preview.DATABASE_URL, own.DATABASE_URL);

    for (const [kind, name] of [
      ['container', 'notes--feat-login-web-1'],
      ['container', 'notes--feat-login-db'],
      ['network', 'notes--feat-login-internal'],
      ['network', 'notes--feat-login-edge'],
      ['volume', 'notes--feat-login-db-data'],
    ] as const) {
      const labels = labelsOf(kind, name);
      assert.equal(labels[LABEL.project], 'notes--feat-login', `${kind} ${name}`);
      assert.equal(labels[LABEL.previewOf], 'notes', `${kind} ${name}`);
    }
    assert.equal(labelsOf('container', 'notes-web-1')[LABEL.previewOf], undefined);
  });

  it('a second preview has its own allocations; a third is refused by previews.max', async () => {
    ok(['preview', 'up', 'notes', 'fix-b', '--image', 'web=stagecraft/demo-app:1']);
    assert.equal((await json('fix-b.notes.pv.localhost', '/')).project, 'notes--fix-b');
    const plan = JSON.parse(ok(['plan', '--json'])) as {
      allocations: Record<string, { subnet: string; ports: Record<string, number> }>;
    };
    const subnets = ['notes', 'notes--feat-login', 'notes--fix-b'].map((p) => plan.allocations[p]?.subnet);
    assert.equal(new Set(subnets).size, 3, `subnets ${subnets.join(', ')}`);
    const third = stagecraft(['preview', 'up', 'notes', 'third']);
    assert.equal(third.code, 1, third.err);
    assert.match(third.err, /notes has 2 previews, as many as its previews\.max \(2\): feat-login, fix-b/);
    assert.deepEqual(objectsOf('notes--third'), []);
  });

  it('preview list shows each with its URL, age, expiry and images', () => {
    const rows = list();
    assert.deepEqual(
      rows.map((r) => [r.project, r.name, r.url, r.images.web]),
      [
        ['notes', 'feat-login', 'http://feat-login.notes.pv.localhost:28680/', 'stagecraft/demo-app:1'],
        ['notes', 'fix-b', 'http://fix-b.notes.pv.localhost:28680/', 'stagecraft/demo-app:1'],
      ],
    );
    const ttl = Date.parse(rows[0]!.expiresAt) - Date.parse(rows[0]!.createdAt);
    assert.ok(Math.abs(ttl - 2 * 3600_000) < 60_000, `expires 2h after it was made, not ${ttl} ms`);
    assert.match(
      ok(['preview', 'list']),
      /feat-login\s+http:\/\/feat-login\.notes\.pv\.localhost:28680\/\s+\d+[sm] ago\s+in 2h/,
    );
  });

  it('a second preview up deploys into it and renews its TTL, keeping its data', async () => {
    const before = list().find((r) => r.name === 'feat-login')!;
    const out = ok(['preview', 'up', 'notes', 'feat-login', '--ttl', '5h']);
    assert.match(out, /preview feat-login of notes renewed/);
    const renewed = list().find((r) => r.name === 'feat-login')!;
    assert.equal(renewed.createdAt, before.createdAt);
    assert.ok(Date.parse(renewed.expiresAt) - Date.now() > 4.9 * 3600_000, renewed.expiresAt);
    assert.equal((await json('feat-login.notes.pv.localhost', '/db')).items, 4, 'not restored again');
  });

  it('verify isolation covers the project and both previews, and none reaches another', () => {
    const plan = JSON.parse(ok(['plan', '--json'])) as {
      allocations: Record<string, { ports: Record<string, number> }>;
    };
    const ports = [HTTP, ...Object.values(plan.allocations).flatMap((a) => Object.values(a.ports))];
    const r = stagecraft(['verify', 'isolation', '--json', '--host-ports', ports.join(',')]);
    const probes = JSON.parse(r.out) as { from: string; to: string; seen: string; verdict: string }[];
    assert.equal(
      r.code,
      0,
      `${r.err}\n${probes
        .filter((p) => p.verdict !== 'ok')
        .map((p) => JSON.stringify(p))
        .join('\n')}`,
    );
    const projects = ['notes', 'notes--feat-login', 'notes--fix-b'];
    for (const from of projects)
      for (const to of projects) {
        if (from === to) continue;
        const tried = probes.filter((p) => p.from === `${from}/*` && p.to === `${to}/db`);
        assert.ok(tried.length > 0, `${from} → ${to}/db was probed`);
        assert.ok(
          tried.every((p) => p.seen !== 'open'),
          `${from} does not reach ${to}/db`,
        );
      }
  });

  it("serve's expiry removes an expired preview with its volumes and records it; the other stays", async () => {
    const fixB = list().find((r) => r.name === 'fix-b')!;
    const location = stateLocation(specFile, {}, { env: process.env, cwd: dir });
    const store = await openStore(location);
    const secrets = await openSecretStore({ dir: secretsDirFor(specFile, location) });
    try {
      const spec = loadSpecFile(specFile, process.env).spec!;
      const lines: string[] = [];
      // Past fix-b's expiry (2h), before feat-login's (5h).
      const removed = await expirePreviews(
        {
          spec,
          store,
          secrets,
          serverDir: serverDirFor(specFile, {}, { env: process.env, cwd: dir }),
          env: process.env,
          log: (line) => lines.push(line),
        },
        new Date(Date.parse(fixB.expiresAt) + 1000),
      );
      assert.deepEqual(
        removed.map((r) => r.preview.name),
        ['fix-b'],
        lines.join('\n'),
      );
      assert.ok(removed[0]!.volumes >= 1, 'its data volume went');
      const events = await store.listEvents({ project: 'notes--fix-b', kind: 'preview' });
      assert.match(events[0]!.message, /^expired .*: preview fix-b of notes removed with \d+ volumes/);
      assert.deepEqual(await secrets.list('notes--fix-b'), []);
    } finally {
      await secrets.close();
      await store.close();
    }
    assert.deepEqual(objectsOf('notes--fix-b'), []);
    assert.deepEqual(
      list().map((r) => r.name),
      ['feat-login'],
    );
    assert.notEqual((await viaProxy('fix-b.notes.pv.localhost', '/')).status, 200, 'its route is gone');
    assert.equal((await json('feat-login.notes.pv.localhost', '/db')).items, 4);
    const plan = JSON.parse(ok(['plan', '--json'])) as { allocations: Record<string, unknown> };
    assert.equal(plan.allocations['notes--fix-b'], undefined);
  });

  it('preview down (by branch name) removes containers, networks and volumes; the project keeps serving', async () => {
    const out = ok(['preview', 'down', 'notes', 'feat/login']);
    assert.match(out, /preview feat-login of notes removed: \d+ containers, 1 volumes, \d+ networks/);
    assert.deepEqual(objectsOf('notes--feat-login'), []);
    assert.deepEqual(list(), []);
    assert.equal((await json('notes.pv.localhost', '/db')).items, 3);
    const again = stagecraft(['preview', 'down', 'notes', 'feat-login']);
    assert.equal(again.code, 2);
    assert.match(again.err, /no preview feat-login of notes; it has none/);
  });
});
