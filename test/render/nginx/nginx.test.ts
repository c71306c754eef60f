import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { sharedAddress } from '../../../src/model/index.ts';
import { planEnvironment } from '../../../src/plan/index.ts';
import type { Artifact, RenderContext } from '../../../src/render/index.ts';
import { renderNginx } from '../../../src/render/nginx/index.ts';
import { allRoutes, formatDiagnostic, loadSpecText } from '../../../src/spec/index.ts';
import { nginxTest } from '../../support/nginx.ts';
import { EXAMPLE_NAMES, EXAMPLES, exampleContext, writeToTemp } from '../../support/render.ts';

let cert: { crt: string; key: string };

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-cert-'));
  cert = { crt: join(dir, 'c.crt'), key: join(dir, 'c.key') };
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=host'].concat([
      '-keyout',
      cert.key,
      '-out',
      cert.crt,
    ]),
    { stdio: 'ignore' },
  );
});

/** An example with its spec text edited: for the cases no example covers. */
function variant(name: string, edit: (text: string) => string): RenderContext {
  const path = join(EXAMPLES, name, 'staging.yaml');
  const text = edit(readFileSync(path, 'utf8'));
  const r = loadSpecText(path, text, {});
  assert.ok(r.spec, r.diagnostics.map(formatDiagnostic).join('\n'));
  return { spec: r.spec, plan: planEnvironment(r.spec) };
}

const selfsigned = () => variant('beryl3', (t) => t.replace('tls: letsencrypt', 'tls: selfsigned'));

/** shop's host, with blog serving `/blog` on it: two projects, one host. */
const sharedHost = () =>
  variant('demo', (t) => {
    const at = t.indexOf('  blog:');
    return (
      t.slice(0, at) +
      t
        .slice(at)
        .replace(
          '        uses: [db, cache]',
          '        routes: [{ host: shop.demo.localhost, path: /blog }]\n        uses: [db, cache]',
        )
    );
  });

/** Writes the config and the certificate files it names (the deploy step makes the real ones). */
function prepare(files: readonly Artifact[]): string {
  const dir = writeToTemp(files);
  const prefix = join(dir, 'shared', 'nginx');
  const all = files.map((f) => f.content).join('\n');
  for (const m of all.matchAll(/ssl_certificate(_key)? (\S+);/g)) {
    const target = join(prefix, m[2]!);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(m[1] ? cert.key : cert.crt, target);
  }
  return prefix;
}

function assertNginxAccepts(files: readonly Artifact[]): void {
  const r = nginxTest(prepare(files), ['-e', 'stderr']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /test is successful/);
  // A warning such as "conflicting server name … ignored" means a route that silently does not work.
  assert.doesNotMatch(r.stderr, /\[(warn|emerg|alert|crit|error)\]/, r.stderr);
}

const byPath = (files: readonly Artifact[]) => Object.fromEntries(files.map((f) => [f.path, f.content]));

/** The top-level `server { … }` blocks of every conf.d file (the serialiser puts them at column 0). */
function servers(files: readonly Artifact[]): string[] {
  return files
    .filter((f) => f.path.startsWith('shared/nginx/conf.d/'))
    .flatMap((f) => [...f.content.matchAll(/^server \{\n([\s\S]*?)^\}/gm)].map((m) => m[1]!));
}

/** The server-level lines of a block (not those inside its locations). */
const ownLines = (server: string) =>
  server
    .split('\n')
    .filter((l) => /^ {4}\S/.test(l))
    .map((l) => l.trim());

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const cases: [string, () => RenderContext][] = [
  ...EXAMPLE_NAMES.map((n): [string, () => RenderContext] => [n, () => exampleContext(n)]),
  ['beryl3 with tls: selfsigned', selfsigned],
  ['demo with a host shared by two projects', sharedHost],
];

describe('nginx config: the real nginx -t passes with no project running', () => {
  for (const [name, ctx] of cases) {
    it(name, () => assertNginxAccepts(renderNginx(ctx())));
  }

  it('the check has teeth: a missing semicolon fails nginx -t', () => {
    const files = renderNginx(exampleContext('demo')).map((f) =>
      f.path.endsWith('conf.d/shop.conf')
        ? { ...f, content: f.content.replace('listen 80;', 'listen 80') }
        : f,
    );
    const r = nginxTest(prepare(files), ['-e', 'stderr']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /shop\.conf/);
  });

  it('the check has teeth: a missing certificate fails nginx -t', () => {
    const files = renderNginx(exampleContext('beryl3'));
    assert.notEqual(nginxTest(join(writeToTemp(files), 'shared', 'nginx')).status, 0);
  });
});

describe('nginx config: structure', () => {
  for (const [name, make] of cases) {
    it(`${name}: vhosts, TLS mode, rate limit, status page, direct listeners, runtime resolution`, () => {
      const ctx = make();
      const { spec, plan } = ctx;
      const files = renderNginx(ctx);
      const content = byPath(files);
      const all = servers(files);
      const tls = spec.shared.proxy.tls;

      for (const r of allRoutes(spec)) {
        const hosting = all.filter((s) => ownLines(s).includes(`server_name ${r.host};`));
        assert.equal(hosting.length, tls === 'none' ? 1 : 2, `${r.host}: one server per port`);
        const serving = hosting.filter((s) => !/return 301/.test(s));
        assert.equal(serving.length, 1, r.host);
        assert.match(
          serving[0]!,
          new RegExp(`\\n {4}location ${reEscape(r.path)} \\{`),
          `${r.host}${r.path}`,
        );
        if (tls !== 'none') {
          const [cert, key] =
            tls === 'letsencrypt'
              ? [`letsencrypt/live/${r.host}/fullchain.pem`, `letsencrypt/live/${r.host}/privkey.pem`]
              : [`certs/${r.host}.crt`, `certs/${r.host}.key`];
          assert.ok(ownLines(serving[0]!).includes(`ssl_certificate ${cert};`), r.host);
          assert.ok(ownLines(serving[0]!).includes(`ssl_certificate_key ${key};`), r.host);
          assert.ok(ownLines(serving[0]!).includes('listen 443 ssl http2;'), r.host);
        }
      }

      const redirects = all.filter((s) => /return 301 https:\/\/\$host\$request_uri;/.test(s));
      const acme = all.filter((s) =>
        /location \/\.well-known\/acme-challenge\/ \{\n\s+root \/var\/www\/acme;/.test(s),
      );
      const hostCount = new Set(allRoutes(spec).map((r) => r.host)).size;
      assert.equal(redirects.length, tls === 'none' ? 0 : hostCount, 'a redirect per host, with TLS only');
      assert.equal(
        acme.length,
        tls === 'letsencrypt' ? hostCount : 0,
        'ACME challenge with letsencrypt only',
      );
      assert.equal('shared/nginx/snippets/tls.conf' in content, tls !== 'none');
      const hsts = all.filter((s) => /Strict-Transport-Security/.test(s));
      assert.ok(
        hsts.every((s) => ownLines(s).some((l) => l.startsWith('listen 443 ssl'))),
        'HSTS only over TLS',
      );

      const main = content['shared/nginx/nginx.conf']!;
      const rate = spec.shared.proxy.rateLimit;
      assert.equal(/limit_req_zone/.test(main), !!rate);
      assert.equal(
        files.some((f) => /limit_req zone=perip/.test(f.content)),
        !!rate,
      );
      if (rate) {
        assert.match(
          main,
          new RegExp(
            `limit_req_zone \\$binary_remote_addr zone=perip:10m rate=${reEscape(rate.toNginxRate())};`,
          ),
        );
        assert.match(main, /limit_req_status 429;/);
      }
      assert.match(main, /resolver 127\.0\.0\.11 valid=\d+s ipv6=off;/);
      assert.match(main, /^ {4}include conf\.d\/\*\.conf;$/m);
      assert.match(main, /^ {4}server_tokens off;$/m);

      const status = all.filter((s) => ownLines(s).includes('listen 8081;'));
      assert.equal(status.length, 1);
      assert.match(
        status[0]!,
        new RegExp(
          `location = /nginx_status \\{\\n\\s+stub_status;\\n\\s+allow 127\\.0\\.0\\.1;\\n\\s+allow ${reEscape(spec.network.shared.toString())};\\n\\s+deny all;\\n\\s+\\}`,
        ),
      );

      for (const p of spec.projects) {
        for (const s of p.services.filter((x) => x.type === 'app')) {
          const port = plan.allocations[p.name]!.ports[s.name]!;
          const direct = servers(files.filter((f) => f.path === `shared/nginx/conf.d/${p.name}.conf`)).filter(
            (x) => ownLines(x).includes(`listen ${sharedAddress(spec, 'proxy')}:${port};`),
          );
          assert.equal(
            direct.length,
            1,
            `${p.name}/${s.name} direct listener on ${port}, shared address only`,
          );
          assert.ok(!ownLines(direct[0]!).some((l) => l.startsWith('server_name')), 'no Host header needed');
          assert.match(
            direct[0]!,
            new RegExp(`proxy_pass \\$upstream_${p.name}_${s.name};`.replace(/-/g, '_')),
          );
          assert.doesNotMatch(direct[0]!, /limit_req/, 'host-local callers share one address');
        }
      }

      for (const f of files) {
        // serve's socket has no name to resolve: nginx starts without it and connects per request.
        for (const m of f.content.matchAll(/proxy_pass (\S+);/g))
          if (!m[1]!.startsWith('http://unix:'))
            assert.match(m[1]!, /^\$upstream_/, `${f.path}: resolved at request time, not at start-up`);
      }
      for (const s of all) {
        // The log format reads these; a server that never sets them logs a warning per request.
        const own = ownLines(s);
        if (own.includes('ssl_reject_handshake on;')) continue;
        assert.ok(
          own.some((l) => l.startsWith('set $stagecraft_project ')),
          s,
        );
        assert.ok(
          own.some((l) => l.startsWith('set $stagecraft_service ')),
          s,
        );
      }
    });
  }

  it('the shared stack: basic auth for Prometheus and Alertmanager, not Grafana', () => {
    const all = servers(renderNginx(exampleContext('beryl3'))).filter((s) => !/return 301/.test(s));
    const of = (host: string) => all.find((s) => ownLines(s).includes(`server_name ${host};`))!;
    for (const [host, upstream, auth] of [
      ['prometheus.staging.mdubiel.org', 'http://172.19.0.4:9090', true],
      ['alerts.staging.mdubiel.org', 'http://172.19.0.5:9093', true],
      ['grafana.staging.mdubiel.org', 'http://172.19.0.6:3000', false],
    ] as const) {
      assert.match(of(host), new RegExp(reEscape(upstream)));
      assert.equal(/auth_basic_user_file htpasswd\/admin;/.test(of(host)), auth, host);
    }
  });

  it('the control plane’s /metrics: on the shared-network address only, for Prometheus’ address only, to serve’s socket', () => {
    const ctx = exampleContext('demo');
    const server = servers(renderNginx(ctx)).find((s) => /:9300;/.test(s))!;
    const lines = ownLines(server);
    assert.ok(lines.includes(`listen ${sharedAddress(ctx.spec, 'proxy')}:9300;`), server);
    assert.match(
      server,
      new RegExp(
        `allow ${reEscape(sharedAddress(ctx.spec, 'prometheus'))};\\s+deny all;\\s+proxy_pass http://unix:/run/stagecraft-control-plane/metrics\\.sock:/metrics;`,
      ),
    );
    const off = exampleContext('demo');
    off.spec.shared.monitoring.prometheus = false;
    assert.equal(
      servers(renderNginx(off)).filter((s) => /:9300;/.test(s)).length,
      0,
      'no Prometheus, no way in',
    );
  });

  it('a RabbitMQ UI goes to the queue on its edge alias, port 15672', () => {
    const robson = byPath(renderNginx(exampleContext('robson-k8s')));
    assert.match(
      robson['shared/nginx/conf.d/robson.conf']!,
      /server_name rabbitmq\.staging\.rbx\.ia\.br;[\s\S]*http:\/\/robson-rabbitmq:15672/,
    );
  });

  it('a host two projects share is one server, each path labelled with its own project', () => {
    const files = byPath(renderNginx(sharedHost()));
    const shop = files['shared/nginx/conf.d/shop.conf']!;
    assert.equal(shop.match(/server_name shop\.demo\.localhost;/g)?.length, 1);
    assert.match(
      shop,
      /location \/blog \{\n\s+set \$stagecraft_project blog;\n\s+set \$stagecraft_service web;/,
    );
    assert.match(shop, /location \/ \{\n\s+set \$stagecraft_project shop;/);
    assert.doesNotMatch(files['shared/nginx/conf.d/blog.conf']!, /server_name/);
  });
});
