import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planEnvironment } from '../../src/plan/index.ts';
import { type Diagnostic, formatDiagnostic, loadSpecText, place } from '../../src/spec/index.ts';

/** A small valid spec; each test changes one thing and checks the message and the line it names. */
const BASE = `version: 1
server:
  domain: example.test
  capacity: { cpus: 4, memory: 8GiB }
projects:
  shop:
    services:
      web:
        type: app
        image: shop:1
        uses: [db]
      db:
        type: postgres
`;

function diagnose(text: string, env: Record<string, string> = {}): Diagnostic[] {
  const r = loadSpecText('staging.yaml', text, env);
  if (!r.spec) return r.diagnostics.filter((d) => d.severity === 'error');
  const plan = planEnvironment(r.spec);
  return place([...r.diagnostics, ...plan.diagnostics], r.source).filter((d) => d.severity === 'error');
}

function only(text: string, env?: Record<string, string>): Diagnostic {
  const ds = diagnose(text, env);
  assert.equal(ds.length, 1, `expected one error, got:\n${ds.map(formatDiagnostic).join('\n')}`);
  return ds[0]!;
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `no line contains ${needle}`);
  return i + 1;
}

describe('bad input is reported as file:line:col with a message that says what would be right', () => {
  it('accepts the base spec', () => {
    assert.deepEqual(diagnose(BASE), []);
  });

  it('unknown key, with the nearest valid key suggested, pointing at the key', () => {
    const text = BASE.replace('        image: shop:1', '        image: shop:1\n        prot: 8000');
    const d = only(text);
    assert.match(d.message, /unknown key "prot": did you mean "port"\?/);
    assert.equal(d.line, lineOf(text, 'prot: 8000'));
    assert.equal(d.column, 9);
    assert.match(formatDiagnostic(d), /^staging\.yaml:\d+:9: /);
  });

  it('wrong type', () => {
    const text = BASE.replace('        image: shop:1', '        image: shop:1\n        replicas: two');
    const d = only(text);
    assert.match(d.message, /projects\.shop\.services\.web\.replicas: expected a number, got a string/);
    assert.equal(d.line, lineOf(text, 'replicas: two'));
  });

  it('bad unit', () => {
    const text = BASE.replace('memory: 8GiB', 'memory: 8XB');
    const d = only(text);
    assert.match(d.message, /server\.capacity\.memory: "8XB" is not a size/);
    assert.match(d.message, /1GiB/);
    assert.equal(d.line, 4);
  });

  it('bad CPU value', () => {
    const d = only(BASE.replace('cpus: 4', 'cpus: four'));
    assert.match(d.message, /server\.capacity\.cpus: .*"four"/);
    assert.equal(d.line, 4);
  });

  it('bad cron', () => {
    const text = `${BASE}      nightly:\n        type: cron\n        image: shop:1\n        command: run\n        schedule: "0 25 * * *"\n`;
    const d = only(text);
    assert.match(d.message, /schedule: cron "0 25 \* \* \*": hour "25" is out of range 0-23/);
    assert.equal(d.line, lineOf(text, 'schedule'));
  });

  it('unknown uses', () => {
    const text = BASE.replace('uses: [db]', 'uses: [db, cache]');
    const d = only(text);
    assert.match(d.message, /shop\/web uses "cache", which is not a service of shop/);
    assert.equal(d.line, lineOf(text, 'uses: [db, cache]'));
    assert.equal(d.column, lineOf(text, 'uses') && text.split('\n')[d.line! - 1]!.indexOf('cache') + 1);
  });

  it('uses a service of another project', () => {
    const text = `${BASE}  blog:\n    services:\n      site:\n        type: app\n        image: blog:1\n        uses: [db]\n`;
    const d = only(text);
    assert.match(d.message, /blog\/site uses "db", which is not a service of blog/);
    assert.match(d.hint ?? '', /"db" belongs to project shop; projects cannot use each other's services/);
    assert.equal(d.line, text.split('\n').length - 1);
  });

  it('uses a worker: wrong type', () => {
    const text = `${BASE}      mailer:\n        type: worker\n        image: shop:1\n`.replace(
      'uses: [db]',
      'uses: [db, mailer]',
    );
    const d = only(text);
    assert.match(
      d.message,
      /uses mailer, a worker; only postgres, redis, rabbitmq and app services can be used/,
    );
  });

  it('uses cycle', () => {
    const text =
      `${BASE}      api:\n        type: app\n        image: api:1\n        routes: [{ path: /api }]\n        uses: [web]\n`.replace(
        'uses: [db]',
        'uses: [db, api]',
      );
    const d = only(text);
    assert.match(d.message, /uses forms a cycle in shop: web → api → web/);
    assert.equal(d.line, lineOf(text, 'uses: [db, api]'));
  });

  it('route collision across projects', () => {
    const text = `${BASE}  blog:\n    services:\n      site:\n        type: app\n        image: blog:1\n        routes: [{ host: shop.example.test }]\n`;
    const d = only(text);
    assert.match(
      d.message,
      /route shop\.example\.test\/ of blog\/site is already taken by shop\/web \(another project\)/,
    );
    assert.equal(d.line, lineOf(text, 'routes: [{ host: shop.example.test }]'));
  });

  it('bad name, and the reserved shared', () => {
    const bad = only(BASE.replace('  shop:', '  Shop_1:'));
    assert.match(bad.message, /project name "Shop_1" is not DNS-safe/);
    assert.equal(bad.line, 6);
    assert.equal(bad.column, 3);
    const reserved = only(BASE.replace('  shop:', '  shared:'));
    assert.match(reserved.message, /"shared" is reserved for the shared stack/);
  });

  it('overlapping pools', () => {
    const text = BASE.replace(
      'projects:\n  shop',
      'network:\n  shared: 172.20.0.0/16\n  projects: 172.20.0.0/14\nprojects:\n  shop',
    );
    const d = only(text);
    assert.match(
      d.message,
      /the project pool 172\.20\.0\.0\/14 overlaps the shared network 172\.20\.0\.0\/16/,
    );
    assert.equal(d.line, lineOf(text, 'projects: 172.20.0.0/14'));
  });

  it('missing ${VAR}, and its default', () => {
    const text = BASE.replace('image: shop:1', 'image: shop:${GIT_SHA}');
    const d = only(text);
    assert.match(d.message, /environment variable GIT_SHA is not set/);
    assert.equal(d.line, lineOf(text, 'GIT_SHA'));
    assert.deepEqual(diagnose(text, { GIT_SHA: 'abc' }), []);
    assert.deepEqual(diagnose(BASE.replace('image: shop:1', 'image: shop:${GIT_SHA:-latest}')), []);
  });

  it('inline secret value, with a message that shows secrets set and never the value', () => {
    const text = BASE.replace(
      '        image: shop:1',
      '        image: shop:1\n        env: { DJANGO_SECRET_KEY: hunter2-very-secret }',
    );
    const d = only(text);
    assert.match(d.message, /DJANGO_SECRET_KEY .* looks like a secret/);
    assert.match(d.hint ?? '', /stagecraft secrets set shop DJANGO_SECRET_KEY/);
    assert.doesNotMatch(formatDiagnostic(d), /hunter2/);
    assert.equal(d.line, lineOf(text, 'DJANGO_SECRET_KEY'));

    const ref = `${BASE.replace('      db:\n        type: postgres\n', '')}      db:\n        type: postgres\n        backup:\n          remote:\n            url: s3://b/p\n            accessKey: AKIAEXAMPLE\n            secretKey: { secret: S3_SECRET }\n`;
    const r = only(ref);
    assert.match(r.message, /accessKey: a secret value is written inline/);
    assert.match(r.hint ?? '', /stagecraft secrets set/);
    assert.doesNotMatch(formatDiagnostic(r), /AKIAEXAMPLE/);
  });

  it('over budget, with the per-project breakdown', () => {
    const text = BASE.replace(
      '        image: shop:1',
      '        image: shop:1\n        replicas: 4\n        resources: { cpus: 2, memory: 256MiB }',
    );
    const d = only(text);
    assert.match(d.message, /reserves 11\.\d+ of CPUs but capacity - reserve is 4 \(\d+%\)/);
    assert.match(d.hint ?? '', /largest: shop 8\.\d+/);
    assert.equal(d.line, lineOf(text, 'capacity'));
  });

  it('malformed YAML', () => {
    const text = BASE.replace('    services:', '    services:\n   bad indent: [');
    const ds = diagnose(text);
    assert.ok(ds.length >= 1);
    assert.match(ds[0]!.message, /^malformed YAML: /);
    assert.ok(ds[0]!.line! >= 7);
  });

  it('reports every problem in one run, in file order', () => {
    const text = BASE.replace('cpus: 4', 'cpus: four')
      .replace('uses: [db]', 'uses: [nope]')
      .replace('type: postgres', 'type: postgress');
    const ds = diagnose(text);
    assert.ok(ds.length >= 2, ds.map(formatDiagnostic).join('\n'));
    const lines = ds.map((d) => d.line!);
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
    );
    assert.match(ds.map((d) => d.message).join('\n'), /"four"/);
  });

  it('a wrong service type names the valid types', () => {
    const text = BASE.replace('type: postgres', 'type: postgress');
    const d = only(text);
    assert.match(d.message, /one of app, worker, cron, postgres, redis, rabbitmq/);
    assert.equal(d.line, lineOf(text, 'postgress'));
  });
});
