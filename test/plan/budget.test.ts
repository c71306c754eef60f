import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planEnvironment, planToJson } from '../../src/plan/index.ts';
import { type Diagnostic, formatDiagnostic, loadSpecText, place } from '../../src/spec/index.ts';

/**
 * An app of two replicas whose limits add up to `cpus`, on a server of `capacity` CPUs and 8GiB
 * whose shared stack is the proxy alone (1 CPU, 1GiB); `server` and `project` add lines to those
 * blocks.
 */
function specText(o: { capacity: number; cpus: number; memory?: string; server?: string; project?: string }) {
  return `version: 1
server:
  domain: example.test
  capacity: { cpus: ${o.capacity}, memory: 8GiB }
${o.server ?? ''}
shared:
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, nodeExporter: false, cadvisor: false }
  proxy: { resources: { cpus: 1, memory: 1GiB } }
projects:
  shop:
${o.project ?? ''}
    services:
      web:
        type: app
        image: shop:1
        replicas: 2
        resources: { cpus: ${o.cpus / 2}, memory: ${o.memory ?? '1GiB'} }
`;
}

function diagnose(text: string): Diagnostic[] {
  const r = loadSpecText('staging.yaml', text, {});
  assert.ok(r.spec, r.diagnostics.map(formatDiagnostic).join('\n'));
  return place(planEnvironment(r.spec).diagnostics, r.source);
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('budget: CPU limits are caps, memory limits are not', () => {
  it('CPUs up to 100% are fine; above it a warning, within the default 2× overcommit', () => {
    assert.deepEqual(diagnose(specText({ capacity: 4, cpus: 3 })), []);
    const text = specText({ capacity: 4, cpus: 6 });
    const [d, ...rest] = diagnose(text);
    assert.deepEqual(rest, []);
    assert.equal(d?.severity, 'warning');
    assert.equal(d?.code, 'SC0808');
    assert.equal(
      d?.message,
      'the environment reserves 7 of CPUs but capacity - reserve is 4 (175%): overcommitted, within the 2× of server.overcommit.cpus (8)',
    );
    assert.equal(d?.line, lineOf(text, 'capacity'));
  });

  it('CPUs above the overcommit are an error; server.overcommit.cpus raises it', () => {
    const text = specText({ capacity: 4, cpus: 8 });
    const [d, ...rest] = diagnose(text);
    assert.deepEqual(rest, []);
    assert.equal(d?.severity, 'error');
    assert.equal(d?.code, 'SC0807');
    assert.equal(
      d?.message,
      'the environment reserves 9 of CPUs but capacity - reserve is 4 (225%), above the 2× of server.overcommit.cpus (8)',
    );
    const raised = diagnose(specText({ capacity: 4, cpus: 8, server: '  overcommit: { cpus: 3 }' }));
    assert.deepEqual(
      raised.map((x) => x.severity),
      ['warning'],
    );
  });

  it('memory above 100% is an error and above 85% a warning, as before (overcommit.memory is 1)', () => {
    const over = diagnose(specText({ capacity: 4, cpus: 1, memory: '4GiB' }));
    assert.deepEqual(
      over.map((x) => [x.severity, x.message]),
      [['error', 'the environment reserves 9GiB of memory but capacity - reserve is 8GiB (113%)']],
    );
    const high = diagnose(specText({ capacity: 4, cpus: 1, memory: '3GiB' }));
    assert.deepEqual(
      high.map((x) => x.severity),
      ['warning'],
    );
  });

  it('an overcommit below 1 is refused', () => {
    const r = loadSpecText(
      'staging.yaml',
      specText({ capacity: 4, cpus: 1, server: '  overcommit: { cpus: 0.5 }' }),
      {},
    );
    assert.equal(r.spec, undefined);
    assert.ok(r.diagnostics.some((d) => d.path.join('.') === 'server.overcommit.cpus'));
  });

  it('a 2-core server holds the default shared stack (its CPU limits overcommit it)', () => {
    const text = `version: 1\nserver: { domain: example.test, capacity: { cpus: 2, memory: 8GiB } }\n`;
    const ds = diagnose(text);
    assert.deepEqual(ds.filter((d) => d.severity === 'error').map(formatDiagnostic), []);
    assert.ok(ds.some((d) => d.code === 'SC0808' && /CPUs/.test(d.message)));
  });

  it('plan --json shows the sum, what is available and the overcommit', () => {
    const r = loadSpecText('staging.yaml', specText({ capacity: 4, cpus: 6 }), {});
    const budget = planToJson(planEnvironment(r.spec!)).budget;
    assert.deepEqual(budget.cpus, { used: 7, available: 4, overcommit: 2 });
    assert.equal(budget.memory.overcommit, 1);
  });
});

describe('budget: a project quota', () => {
  it("caps the project's own limits: above it an error at the quota", () => {
    const text = specText({ capacity: 8, cpus: 3, project: '    quota: { cpus: 2, memory: 4GiB }' });
    const ds = diagnose(text);
    assert.deepEqual(
      ds.map((d) => [d.code, d.message, d.line]),
      [['SC0809', "project shop's limits add up to 3 of CPUs, above its quota of 2", lineOf(text, 'quota')]],
    );
    assert.equal(ds[0]?.hint, 'lower its limits or replicas, or raise projects.shop.quota.cpus');
    assert.equal(ds[0]?.column, text.split('\n')[lineOf(text, 'quota') - 1]!.indexOf('2') + 1);
    const memory = diagnose(
      specText({ capacity: 8, cpus: 1, memory: '2.5GiB', project: '    quota: { memory: 4GiB }' }),
    );
    assert.deepEqual(
      memory.map((d) => d.message),
      ["project shop's limits add up to 5GiB of memory, above its quota of 4GiB"],
    );
  });

  it('within the quota: no diagnostic; the quota is on the model and in plan --json', () => {
    const r = loadSpecText(
      'staging.yaml',
      specText({ capacity: 8, cpus: 2, project: '    quota: { cpus: 2, memory: 4GiB }' }),
      {},
    );
    const shop = r.spec!.projects[0]!;
    assert.equal(shop.quota?.cpus?.toMillicores(), 2000);
    assert.equal(shop.quota?.memory?.toBytes(), 4 * 1024 ** 3);
    const plan = planEnvironment(r.spec!);
    assert.deepEqual(plan.diagnostics, []);
    assert.deepEqual(planToJson(plan).budget.projects.shop, {
      cpus: 2,
      memory: 2 * 1024 ** 3,
      disk: 0,
      quota: { cpus: 2, memory: 4 * 1024 ** 3 },
    });
  });
});
