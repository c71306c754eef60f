import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { renderNginx } from '../../../src/render/nginx/index.ts';
import { assertGolden, EXAMPLE_NAMES, exampleContext, writeToTemp } from '../../support/render.ts';

let cert: { crt: string; key: string };

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-cert-'));
  cert = { crt: join(dir, 'c.crt'), key: join(dir, 'c.key') };
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=test',
      '-keyout',
      cert.key,
      '-out',
      cert.crt,
    ],
    { stdio: 'ignore' },
  );
});

/** Writes the config and the certificate files it names (the deploy step makes the real ones). */
function prepare(files: ReturnType<typeof renderNginx>): string {
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

function nginxTest(prefix: string) {
  // stdout to /dev/null: the config logs to /dev/stdout, which a socket or pipe may not let nginx open.
  return spawnSync('nginx', ['-t', '-e', 'stderr', '-p', `${prefix}/`, '-c', 'nginx.conf'], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

describe('nginx config (checked by the real nginx -t, with no project running)', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: nginx -t passes`, () => {
      const r = nginxTest(prepare(renderNginx(exampleContext(name))));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /test is successful/);
    });
  }

  it('the check has teeth: a missing semicolon fails nginx -t', () => {
    const files = renderNginx(exampleContext('demo')).map((f) =>
      f.path.endsWith('conf.d/shop.conf')
        ? { ...f, content: f.content.replace('listen 80;', 'listen 80') }
        : f,
    );
    assert.notEqual(nginxTest(prepare(files)).status, 0);
  });

  it('routes, TLS modes, the rate limit, the status page and direct listeners', () => {
    const beryl3 = exampleContext('beryl3');
    const files = Object.fromEntries(renderNginx(beryl3).map((f) => [f.path, f.content]));
    const vhost = files['shared/nginx/conf.d/beryl3.conf']!;
    assert.match(vhost, /server_name beryl3-stage\.mdubiel\.org;/);
    assert.match(vhost, /location \/\.well-known\/acme-challenge\/ \{\n\s+root \/var\/www\/acme;/);
    assert.match(vhost, /return 301 https:\/\/\$host\$request_uri;/);
    assert.match(vhost, /ssl_certificate letsencrypt\/live\/beryl3-stage\.mdubiel\.org\/fullchain\.pem;/);
    assert.match(
      vhost,
      /set \$upstream_beryl3_web http:\/\/beryl3-web:8000;\n\s+proxy_pass \$upstream_beryl3_web;/,
    );
    assert.doesNotMatch(vhost, /proxy_pass http:/, 'project upstreams are resolved at request time');
    assert.match(vhost, new RegExp(`listen ${beryl3.plan.allocations.beryl3!.ports.web};`));
    assert.match(vhost, /limit_req zone=perip burst=20 nodelay;/);
    assert.match(
      files['shared/nginx/nginx.conf']!,
      /limit_req_zone \$binary_remote_addr zone=perip:10m rate=100r\/m;/,
    );
    assert.match(files['shared/nginx/nginx.conf']!, /resolver 127\.0\.0\.11 valid=2s ipv6=off;/);
    const shared = files['shared/nginx/conf.d/_shared.conf']!;
    assert.match(
      shared,
      /location = \/nginx_status \{\n\s+stub_status;\n\s+allow 127\.0\.0\.1;\n\s+allow 172\.19\.0\.0\/16;\n\s+deny all;/,
    );
    assert.match(
      shared,
      /server_name prometheus\.staging\.mdubiel\.org;[\s\S]*auth_basic_user_file htpasswd\/admin;/,
    );

    const demo = Object.fromEntries(renderNginx(exampleContext('demo')).map((f) => [f.path, f.content]));
    assert.doesNotMatch(
      demo['shared/nginx/conf.d/shop.conf']!,
      /return 301|ssl_certificate|acme-challenge/,
      'tls: none',
    );
    assert.ok(!('shared/nginx/snippets/tls.conf' in demo));
    const robson = Object.fromEntries(
      renderNginx(exampleContext('robson-k8s')).map((f) => [f.path, f.content]),
    );
    assert.match(
      robson['shared/nginx/conf.d/robson.conf']!,
      /server_name rabbitmq\.staging\.rbx\.ia\.br;[\s\S]*http:\/\/robson-rabbitmq:15672/,
    );
    const gw2 = Object.fromEntries(renderNginx(exampleContext('gw2')).map((f) => [f.path, f.content]));
    assert.match(gw2['shared/nginx/conf.d/gw2.conf']!, /location \/api \{/);
    const arch = Object.fromEntries(renderNginx(exampleContext('arch-host')).map((f) => [f.path, f.content]));
    assert.doesNotMatch(arch['shared/nginx/nginx.conf']!, /limit_req_zone/, 'no rate limit unless set');
  });

  it('is deterministic and matches the golden files', () => {
    for (const name of ['demo', 'beryl3']) {
      const a = renderNginx(exampleContext(name));
      assert.deepEqual(a, renderNginx(exampleContext(name)));
      assertGolden(join(import.meta.dirname, 'golden', name), a);
    }
  });
});
