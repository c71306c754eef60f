import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { recordIsolationProbe } from '../../src/ops/isolation-record.ts';
import { REDACTED, secretRedactor } from '../../src/ops/secret-redaction.ts';
import { isLoopback } from '../../src/server/index.ts';
import { runCli } from '../support/run-cli.ts';
import { apiFixture, SECRET_VALUES, type Who } from './api-fixture.ts';

const WHO: Who[] = ['viewer', 'editor', 'admin', 'none', 'revoked', 'bad', 'missing'];
const RANK = { viewer: 1, editor: 2, admin: 3 } as const;

/** Every route but the event stream (its own tests), with the role it needs; null: any valid token. */
const ROUTES: { method: 'GET' | 'POST'; path: string; needs: keyof typeof RANK | null }[] = [
  { method: 'GET', path: '/api/v1/projects', needs: null },
  { method: 'GET', path: '/api/v1/openapi.json', needs: null },
  { method: 'GET', path: '/api/v1/isolation', needs: null },
  { method: 'GET', path: '/api/v1/isolation/probe', needs: null },
  { method: 'GET', path: '/api/v1/server', needs: null },
  { method: 'GET', path: '/api/v1/projects/beryl3', needs: 'viewer' },
  { method: 'GET', path: '/api/v1/projects/beryl3/services', needs: 'viewer' },
  { method: 'GET', path: '/api/v1/projects/beryl3/releases', needs: 'viewer' },
  { method: 'GET', path: '/api/v1/projects/beryl3/backups', needs: 'viewer' },
  { method: 'GET', path: '/api/v1/projects/beryl3/previews', needs: 'viewer' },
  { method: 'GET', path: '/api/v1/projects/beryl3/audit', needs: 'admin' },
  { method: 'GET', path: '/api/v1/projects/beryl3/logs?service=web', needs: 'viewer' },
  { method: 'POST', path: '/api/v1/projects/beryl3/deploy', needs: 'editor' },
  { method: 'POST', path: '/api/v1/projects/beryl3/rollback', needs: 'editor' },
  { method: 'POST', path: '/api/v1/projects/beryl3/restore', needs: 'admin' },
  { method: 'POST', path: '/api/v1/projects/beryl3/verify-restore', needs: 'admin' },
];

/**
 * What each caller gets. A write that the role allows is sent a body its schema refuses (400):
 * that proves the role check passed without running the operation on an engine.
 */
function expected(who: Who, needs: keyof typeof RANK | null, method: string): number {
  if (who === 'revoked' || who === 'bad' || who === 'missing') return 401;
  if (needs === null) return 200;
  if (who === 'none' || RANK[who] < RANK[needs]) return 403;
  return method === 'POST' ? 400 : 200;
}

describe('the control plane API', () => {
  let f: Awaited<ReturnType<typeof apiFixture>>;
  before(async () => {
    f = await apiFixture();
    await f.store.addRelease({
      id: 'r1',
      project: 'beryl3',
      createdAt: '2026-12-01T10:00:00Z',
      status: 'succeeded',
      specHash: 'h',
      images: { web: 'ghcr.io/mdubiel/beryl3:staging-abc123' },
      reason: null,
      config: { env: { DJANGO_SECRET_KEY: SECRET_VALUES.DJANGO_SECRET_KEY } },
    });
    await f.store.addBackup({
      id: 'b1',
      project: 'beryl3',
      service: 'db',
      path: '/opt/backups/beryl3/db-1.dump',
      bytes: 1234,
      sha256: 'x',
      createdAt: '2026-12-01T11:00:00Z',
      manifest: {},
      verified: 'pass',
      verifiedAt: '2026-12-01T12:00:00Z',
      remote: null,
    });
  });
  after(() => f.close());

  it('answers every route with 200, 400, 401 or 403 as the role matrix says', async () => {
    const wrong: string[] = [];
    for (const r of ROUTES)
      for (const who of WHO) {
        const res = await f.request(who, r.path, {
          method: r.method,
          ...(r.method === 'POST'
            ? { body: '{"unexpected": true}', headers: { 'content-type': 'application/json' } }
            : {}),
        });
        const want = expected(who, r.needs, r.method);
        if (res.status !== want)
          wrong.push(`${r.method} ${r.path} as ${who}: ${res.status}, expected ${want}`);
        await res.arrayBuffer();
      }
    assert.deepEqual(wrong, []);
  });

  it('a project nobody gave the user a role on is 403, like one that does not exist', async () => {
    assert.equal((await f.request('admin', '/api/v1/projects/project2')).status, 403);
    assert.equal((await f.request('admin', '/api/v1/projects/nope')).status, 403);
    const listed = (await (await f.request('viewer', '/api/v1/projects')).json()) as {
      name: string;
      role: string;
    }[];
    assert.deepEqual(
      listed.map((p) => [p.name, p.role]),
      [['beryl3', 'viewer']],
    );
    assert.deepEqual(await (await f.request('none', '/api/v1/projects')).json(), []);
    const isolation = (await (await f.request('viewer', '/api/v1/isolation')).json()) as { from: string }[];
    assert.ok(isolation.length > 0 && isolation.every((e) => e.from.startsWith('beryl3/')));
    assert.deepEqual(await (await f.request('none', '/api/v1/isolation')).json(), []);
  });

  it('reads answer from the store while the engine is down, and say so', async () => {
    const res = await f.request('viewer', '/api/v1/projects/beryl3');
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      engine: { reachable: boolean; error?: string };
      services: { name: string; port: number | null; health: unknown }[];
      releases: { id: string }[];
      backups: { id: string; verified: string }[];
      budget: { cost: { currency: string } | null };
    };
    assert.equal(body.engine.reachable, false);
    assert.match(body.engine.error ?? '', /no-engine\.sock|ENOENT/);
    assert.ok(body.services.find((s) => s.name === 'web' && s.health === null));
    assert.deepEqual(
      body.releases.map((r) => r.id),
      ['r1'],
    );
    assert.deepEqual(
      body.backups.map((b) => [b.id, b.verified]),
      [['b1', 'pass']],
    );
    assert.equal(body.budget.cost?.currency, 'USD');
  });

  it('lists the project’s previews from the store, with their URL, expiry and images', async () => {
    await f.store.savePreview({
      project: 'beryl3',
      name: 'feat-login',
      images: { web: 'ghcr.io/mdubiel/beryl3:feat-login' },
      createdAt: '2030-01-01T10:00:00.000Z',
      expiresAt: '2030-01-04T10:00:00.000Z',
    });
    try {
      const res = await f.request('viewer', '/api/v1/projects/beryl3/previews');
      assert.equal(res.status, 200);
      const [row, ...rest] = (await res.json()) as {
        name: string;
        url: string;
        expiresAt: string;
        images: Record<string, string>;
      }[];
      assert.equal(rest.length, 0);
      assert.equal(row?.name, 'feat-login');
      assert.match(row?.url ?? '', /^https?:\/\/feat-login\./);
      assert.equal(row?.expiresAt, '2030-01-04T10:00:00.000Z');
      assert.equal(row?.images.web, 'ghcr.io/mdubiel/beryl3:feat-login');
    } finally {
      await f.store.deletePreview('beryl3', 'feat-login');
    }
  });

  it('audits every write: who, what and how it ended', async () => {
    await (
      await f.request('viewer', '/api/v1/projects/beryl3/deploy', { method: 'POST', body: '{}' })
    ).arrayBuffer();
    await (
      await f.request('editor', '/api/v1/projects/beryl3/deploy', {
        method: 'POST',
        body: '{"images":{"nosuch":"x:1"}}',
      })
    ).arrayBuffer();
    const log = await f.store.listAudit(2);
    assert.deepEqual(
      log.map((a) => [a.user, a.action, a.result.split(':')[0]]),
      [
        ['alice', 'deploy', 'failed'],
        ['dave', 'deploy', 'refused'],
      ],
    );
    assert.match(log[0]!.result, /no service nosuch/);
  });

  it('the last verify isolation run, with only the pairs of projects the user may view', async () => {
    const row = (from: string, to: string) => ({
      from,
      to,
      port: 5432,
      expected: 'blocked',
      reached: 0,
      tried: 1,
      verdict: 'ok',
      why: 'another project',
    });
    await recordIsolationProbe(
      f.store,
      [
        row('beryl3/*', 'beryl3/db'),
        row('project2/*', 'beryl3/db'),
        row('shared/prometheus', 'beryl3/web'),
      ] as never,
      0,
    );
    const res = await f.request('viewer', '/api/v1/isolation/probe');
    assert.equal(res.status, 200);
    const probe = (await res.json()) as { holds: boolean; at: string; rows: { from: string; to: string }[] };
    assert.equal(probe.holds, true);
    assert.deepEqual(
      probe.rows.map((r) => `${r.from} ${r.to}`),
      ['beryl3/* beryl3/db', 'shared/prometheus beryl3/web'],
    );
  });

  it('a deploy runs on serve’s own engine, never on another the spec would name', async () => {
    const res = await f.request('editor', '/api/v1/projects/beryl3/deploy', { method: 'POST', body: '{}' });
    assert.equal(res.status, 500);
    // The fixture's engine is a socket nothing answers on: the deploy failed there, before any change.
    assert.match(((await res.json()) as { error: string }).error, /no-engine\.sock/);
  });

  it('refuses a body larger than the limit with 413 before reading it all', async () => {
    const res = await f.request('editor', '/api/v1/projects/beryl3/deploy', {
      method: 'POST',
      body: JSON.stringify({ images: { web: 'x'.repeat(100_000) } }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 413);
  });

  it('no response carries a secret value', async () => {
    const bodies: string[] = [];
    for (const r of ROUTES)
      for (const who of ['admin', 'editor', 'viewer'] as const) {
        const res = await f.request(who, r.path, {
          method: r.method,
          ...(r.method === 'POST' ? { body: '{}' } : {}),
        });
        bodies.push(`${[...res.headers].join(' ')}\n${await res.text()}`);
      }
    const all = bodies.join('\n');
    assert.ok(all.includes('beryl3'), 'the responses were read');
    for (const [name, value] of Object.entries(SECRET_VALUES))
      assert.ok(!all.includes(value), `${name}'s value appears in a response`);
  });

  it('publishes an OpenAPI document whose request bodies come from the validating schemas', async () => {
    const doc = (await (await f.request('viewer', '/api/v1/openapi.json')).json()) as {
      paths: Record<
        string,
        { post?: { requestBody: { content: Record<string, { schema: { properties: object } }> } } }
      >;
    };
    const deploy = doc.paths['/api/v1/projects/{project}/deploy']!.post!;
    assert.ok('images' in deploy.requestBody.content['application/json']!.schema.properties);
    assert.ok(doc.paths['/api/v1/projects/{project}/audit']);
  });
});

describe('the event stream', () => {
  it('opens before any event, then delivers an event recorded after it opened', async () => {
    const f = await apiFixture({ eventPollMs: 20 });
    try {
      const res = await f.request('viewer', '/api/v1/events');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const readUntil = async (re: RegExp) => {
        while (!re.test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`the stream ended before ${re}: ${text}`);
          text += decoder.decode(value, { stream: true });
        }
      };
      await readUntil(/^: stagecraft events\n\n/);
      assert.doesNotMatch(text, /^data:/m, 'no event before one was recorded');
      await f.store.addEvent({ project: 'project2', kind: 'deploy', message: 'not for dave' });
      await f.store.addEvent({ project: 'beryl3', kind: 'deploy', message: 'beryl3 deployed' });
      await readUntil(/beryl3 deployed/);
      assert.match(text, /^event: deploy$/m);
      assert.doesNotMatch(text, /not for dave/, 'events of projects the user cannot view are left out');
      await reader.cancel();
    } finally {
      await f.close();
    }
  });

  it('opens at once on a real listener too (the comment reaches the client before any event)', async () => {
    const f = await apiFixture({ eventPollMs: 20 });
    const server = createServer(getRequestListener(f.app.fetch));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const aborted = new AbortController();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, {
        headers: { authorization: `Bearer ${f.token('viewer')}` },
        signal: aborted.signal,
      });
      assert.equal(res.status, 200);
      const first = await res.body!.getReader().read();
      assert.match(new TextDecoder().decode(first.value), /^: stagecraft events/);
    } finally {
      aborted.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await f.close();
    }
  });

  it('is 401 without a valid token', async () => {
    const f = await apiFixture();
    try {
      assert.equal((await f.request('bad', '/api/v1/events')).status, 401);
      assert.equal((await f.request('missing', '/api/v1/events')).status, 401);
    } finally {
      await f.close();
    }
  });
});

describe('the dashboard', () => {
  it('serves its page, script and stylesheet without a token, under a policy that allows only them', async () => {
    const f = await apiFixture();
    try {
      for (const [path, type] of [
        ['/', /text\/html/],
        ['/dashboard/app.js', /text\/javascript/],
        ['/dashboard/style.css', /text\/css/],
      ] as const) {
        const res = await f.request('missing', path);
        assert.equal(res.status, 200, path);
        assert.match(res.headers.get('content-type') ?? '', type);
        assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
        await res.arrayBuffer();
      }
      const page = await (await f.request('missing', '/')).text();
      assert.match(page, /<script type="module" src="\/dashboard\/app\.js"><\/script>/);
    } finally {
      await f.close();
    }
  });

  it('the server view names only the projects the user may view; the others are one sum', async () => {
    const f = await apiFixture();
    try {
      const srv = (await (await f.request('viewer', '/api/v1/server')).json()) as {
        user: string;
        budget: { projects: { name: string }[]; others: { cpus: number } };
        shared: { health: unknown };
        cost: { currency: string } | null;
      };
      assert.equal(srv.user, 'dave');
      assert.deepEqual(
        srv.budget.projects.map((p) => p.name),
        ['beryl3'],
      );
      assert.ok(srv.budget.others.cpus > 0, 'project2 is counted, unnamed');
      assert.equal(srv.shared.health, null, 'the engine does not answer');
      assert.equal(srv.cost?.currency, 'USD');
    } finally {
      await f.close();
    }
  });
});

describe('the log stream', () => {
  it('opens at once, then says why there are no lines (the engine does not answer)', async () => {
    const f = await apiFixture();
    try {
      const res = await f.request('viewer', '/api/v1/projects/beryl3/logs?service=web&follow=1');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const text = await res.text();
      assert.match(text, /^: stagecraft logs\n\n/);
      assert.match(text, /^event: error\ndata: .*(no-engine\.sock|ENOENT)/m);
    } finally {
      await f.close();
    }
  });

  it('refuses a service the project does not have, and a query it does not know', async () => {
    const f = await apiFixture();
    try {
      const none = await f.request('viewer', '/api/v1/projects/beryl3/logs?service=nosuch');
      assert.equal(none.status, 400);
      assert.match(((await none.json()) as { error: string }).error, /no service nosuch/);
      assert.equal((await f.request('viewer', '/api/v1/projects/beryl3/logs?follow=yes')).status, 400);
      assert.equal((await f.request('viewer', '/api/v1/projects/beryl3/logs?token=x')).status, 400);
    } finally {
      await f.close();
    }
  });

  it('replaces every secret value of the project and the shared stack, URL-encoded too', async () => {
    const f = await apiFixture();
    try {
      const redact = await secretRedactor(f.running.secrets, 'beryl3');
      const line = `env DJANGO_SECRET_KEY=${SECRET_VALUES.DJANGO_SECRET_KEY} hook=${encodeURIComponent(SECRET_VALUES.SLACK_WEBHOOK)} s3=${SECRET_VALUES.BACKUP_S3_SECRET_KEY}`;
      assert.equal(redact(line), `env DJANGO_SECRET_KEY=${REDACTED} hook=${REDACTED} s3=${REDACTED}`);
      assert.equal(redact('GET /health 200'), 'GET /health 200');
    } finally {
      await f.close();
    }
  });
});

describe('the API listener', () => {
  it('serve refuses an address other than loopback, with exit 2, before touching anything', async () => {
    const r = await runCli(['serve', '--api', '0.0.0.0:7700'], {
      cwd: join(import.meta.dirname, '..', '..', 'examples', 'demo'),
    });
    assert.equal(r.code, 2);
    assert.match(r.err, /off loopback the API serves only HTTPS.*--tls-cert and --tls-key/);
  });

  it('serve takes --tls-cert and --tls-key together, each a file it can read, or exits 2', async () => {
    const cwd = join(import.meta.dirname, '..', '..', 'examples', 'demo');
    const alone = await runCli(['serve', '--tls-cert', 'cert.pem'], { cwd });
    assert.equal(alone.code, 2);
    assert.match(alone.err, /--tls-cert and --tls-key go together/);
    const missing = await runCli(['serve', '--tls-cert', 'no-such.pem', '--tls-key', 'no-such.key'], { cwd });
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--tls-cert no-such\.pem: cannot read it \(ENOENT\)/);
  });

  it('loopback is 127.0.0.0/8, ::1 and localhost', () => {
    assert.ok(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback));
    assert.ok(!['0.0.0.0', '10.0.0.1', '::', '172.17.0.1', '127.0.0.1.example.com'].some(isLoopback));
  });
});
