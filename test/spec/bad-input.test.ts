import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Diagnostic, formatDiagnostic } from '../../src/spec/index.ts';
import { diagnose, ONE_PROJECT } from './one-project.ts';

const BASE = ONE_PROJECT;

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

describe('bad input is reported as file:line:col with a code and a hint', () => {
  it('accepts the base spec', () => {
    assert.deepEqual(diagnose(BASE), []);
  });

  it('unknown key, with the nearest valid key suggested, pointing at the key', () => {
    const text = BASE.replace('        image: shop:1', '        image: shop:1\n        prot: 8000');
    const d = only(text);
    assert.equal(d.code, 'SC0301');
    assert.match(d.message, /"port"/, 'suggests the nearest key');
    assert.equal(d.line, lineOf(text, 'prot: 8000'));
    assert.equal(d.column, 9);
    assert.match(formatDiagnostic(d), /^staging\.yaml:\d+:9: error SC0301: /);
  });

  it('wrong type', () => {
    const text = BASE.replace('        image: shop:1', '        image: shop:1\n        replicas: two');
    const d = only(text);
    assert.equal(d.code, 'SC0303');
    assert.equal(d.line, lineOf(text, 'replicas: two'));
  });

  it('bad unit', () => {
    const text = BASE.replace('memory: 8GiB', 'memory: 8XB');
    const d = only(text);
    assert.equal(d.code, 'SC0307');
    assert.equal(d.line, 4);
  });

  it('bad CPU value', () => {
    const d = only(BASE.replace('cpus: 4', 'cpus: four'));
    assert.equal(d.code, 'SC0307');
    assert.equal(d.line, 4);
  });

  it('bad cron', () => {
    const text = `${BASE}      nightly:\n        type: cron\n        image: shop:1\n        command: run\n        schedule: "0 25 * * *"\n`;
    const d = only(text);
    assert.equal(d.code, 'SC0307');
    assert.equal(d.line, lineOf(text, 'schedule'));
  });

  it('unknown uses', () => {
    const text = BASE.replace('uses: [db]', 'uses: [db, cache]');
    const d = only(text);
    assert.equal(d.code, 'SC0410');
    assert.equal(d.line, lineOf(text, 'uses: [db, cache]'));
    assert.equal(d.column, lineOf(text, 'uses') && text.split('\n')[d.line! - 1]!.indexOf('cache') + 1);
  });

  it('uses a service of another project', () => {
    const text = `${BASE}  blog:\n    services:\n      site:\n        type: app\n        image: blog:1\n        uses: [db]\n`;
    const d = only(text);
    assert.equal(d.code, 'SC0411');
    assert.match(d.hint ?? '', /\bshop\b/, 'the hint names the project that has it');
    assert.equal(d.line, text.split('\n').length - 1);
  });

  it('uses a worker: wrong type', () => {
    const text = `${BASE}      mailer:\n        type: worker\n        image: shop:1\n`.replace(
      'uses: [db]',
      'uses: [db, mailer]',
    );
    const d = only(text);
    assert.equal(d.code, 'SC0412');
  });

  it('uses cycle', () => {
    const text =
      `${BASE}      api:\n        type: app\n        image: api:1\n        routes: [{ path: /api }]\n        uses: [web]\n`.replace(
        'uses: [db]',
        'uses: [db, api]',
      );
    const d = only(text);
    assert.equal(d.code, 'SC0413');
    assert.match(d.message, /web → api → web/);
    assert.equal(d.line, lineOf(text, 'uses: [db, api]'));
  });

  it('route collision across projects', () => {
    const text = `${BASE}  blog:\n    services:\n      site:\n        type: app\n        image: blog:1\n        routes: [{ host: shop.example.test }]\n`;
    const d = only(text);
    assert.equal(d.code, 'SC0420');
    assert.equal(d.line, lineOf(text, 'routes: [{ host: shop.example.test }]'));
  });

  it('bad name, and the reserved shared', () => {
    const bad = only(BASE.replace('  shop:', '  Shop_1:'));
    assert.equal(bad.code, 'SC0402');
    assert.equal(bad.line, 6);
    assert.equal(bad.column, 3);
    const reserved = only(BASE.replace('  shop:', '  shared:'));
    assert.equal(reserved.code, 'SC0401');
  });

  it('overlapping pools', () => {
    const text = BASE.replace(
      'projects:\n  shop',
      'network:\n  shared: 172.20.0.0/16\n  projects: 172.20.0.0/14\nprojects:\n  shop',
    );
    const d = only(text);
    assert.equal(d.code, 'SC0501');
    assert.equal(d.line, lineOf(text, 'projects: 172.20.0.0/14'));
  });

  it('missing ${VAR}, and its default', () => {
    const text = BASE.replace('image: shop:1', 'image: shop:${GIT_SHA}');
    const d = only(text);
    assert.equal(d.code, 'SC0201');
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
    assert.equal(d.code, 'SC0602');
    assert.match(d.hint ?? '', /stagecraft secrets set shop DJANGO_SECRET_KEY/);
    assert.doesNotMatch(formatDiagnostic(d), /hunter2/);
    assert.equal(d.line, lineOf(text, 'DJANGO_SECRET_KEY'));

    const ref = `${BASE.replace('      db:\n        type: postgres\n', '')}      db:\n        type: postgres\n        backup:\n          remote:\n            url: s3://b/p\n            accessKey: AKIAEXAMPLE\n            secretKey: { secret: S3_SECRET }\n`;
    const r = only(ref);
    assert.equal(r.code, 'SC0606');
    assert.match(r.hint ?? '', /stagecraft secrets set/);
    assert.doesNotMatch(formatDiagnostic(r), /AKIAEXAMPLE/);
  });

  it('over budget, with the per-project breakdown', () => {
    const text = BASE.replace(
      '        image: shop:1',
      '        image: shop:1\n        replicas: 4\n        resources: { cpus: 2, memory: 256MiB }',
    );
    const d = only(text);
    assert.equal(d.code, 'SC0807');
    assert.match(d.hint ?? '', /largest: shop 8\.\d+/);
    assert.equal(d.line, lineOf(text, 'capacity'));
  });

  it('malformed YAML', () => {
    const text = BASE.replace('    services:', '    services:\n   bad indent: [');
    const ds = diagnose(text);
    assert.ok(ds.length >= 1);
    assert.equal(ds[0]!.code, 'SC0110');
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
    assert.ok(ds.some((d) => d.code === 'SC0307'));
    assert.ok(ds.some((d) => d.code === 'SC0306'));
  });

  it('a wrong service type names the valid types', () => {
    const text = BASE.replace('type: postgres', 'type: postgress');
    const d = only(text);
    assert.equal(d.code, 'SC0306');
    assert.equal(d.line, lineOf(text, 'postgress'));
  });
});
