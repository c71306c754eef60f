import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Allocations,
  allocationsToRows,
  containerSlots,
  NOTHING_RECORDED,
  planEnvironment,
  rowsToRecorded,
  splitBlock,
} from '../../src/plan/index.ts';
import { Cidr, loadSpecText, portRange, type Spec } from '../../src/spec/index.ts';

type Shape = Record<string, string[]>;

function cidr(text: string): Cidr {
  const r = Cidr.parse(text);
  assert.ok(r.ok, text);
  return r.value;
}

/** A spec with the given projects and services (each service name says its type). */
function specOf(shape: Shape): Spec {
  const lines = [
    'version: 1',
    'server:',
    '  domain: t.test',
    '  capacity: { cpus: 1000, memory: 1000GiB }',
    'projects:',
  ];
  if (Object.keys(shape).length === 0) lines[lines.length - 1] = 'projects: {}';
  for (const [p, services] of Object.entries(shape)) {
    lines.push(`  ${p}:`, '    services:');
    for (const s of services) {
      const type = s.startsWith('db')
        ? 'postgres'
        : s.startsWith('cache')
          ? 'redis'
          : s.startsWith('mq')
            ? 'rabbitmq'
            : 'app';
      lines.push(
        `      ${s}: { type: ${type}${type === 'app' ? `, image: x:1, routes: [{ path: /${s} }]` : ''} }`,
      );
    }
  }
  const r = loadSpecText('p.yaml', lines.join('\n'), {});
  assert.ok(r.spec, r.diagnostics.map((d) => d.message).join('\n'));
  return r.spec;
}

function allPorts(a: Allocations): number[] {
  return Object.values(a).flatMap((p) => Object.values(p.ports));
}

describe('allocation', () => {
  it('gives each kind the next free port of its range and each project a block of the pool', () => {
    const plan = planEnvironment(specOf({ a: ['web', 'db', 'cache'], b: ['web', 'db'] }));
    assert.deepEqual(plan.allocations.a!.ports, { web: 8000, db: 5432, cache: 6379 });
    assert.deepEqual(plan.allocations.b!.ports, { web: 8001, db: 5433 });
    assert.equal(plan.allocations.a!.subnet, '172.20.0.0/20');
    assert.equal(plan.allocations.b!.subnet, '172.20.16.0/20');
    assert.equal(plan.allocations.a!.internal, '172.20.0.0/21');
    assert.equal(plan.allocations.a!.edge, '172.20.8.0/22');
    assert.equal(plan.allocations.a!.metrics, '172.20.12.0/22');
    assert.equal(plan.allocations.a!.addresses['web-1'], '172.20.0.2');
    assert.equal(plan.allocations.a!.edgeAddresses['web-1'], '172.20.8.2');
  });

  it('splits each block into the internal half and a quarter each for the edge and metrics networks, and places containers on them by what reaches them', () => {
    const text = [
      'version: 1',
      'server: { domain: t.test, capacity: { cpus: 100, memory: 100GiB } }',
      'network: { projects: 10.40.0.0/16, projectSize: 24 }',
      'projects:',
      '  a:',
      '    services:',
      '      web: { type: app, image: x:1, replicas: 2, metrics: { path: /metrics } }',
      '      site: { type: app, image: x:1, metrics: false }',
      '      jobs: { type: worker, image: x:1, metrics: { port: 9100 } }',
      '      quiet: { type: worker, image: x:1 }',
      '      db: { type: postgres }',
      '      mq: { type: rabbitmq, ui: true }',
    ].join('\n');
    const r = loadSpecText('p.yaml', text, {});
    assert.ok(r.spec, r.diagnostics.map((d) => d.message).join('\n'));
    const a = planEnvironment(r.spec).allocations.a!;
    assert.deepEqual(
      [a.subnet, a.internal, a.edge, a.metrics],
      ['10.40.0.0/24', '10.40.0.0/25', '10.40.0.128/26', '10.40.0.192/26'],
    );
    const block = splitBlock(cidr('10.40.0.0/24'));
    assert.ok(!block.internal.overlaps(block.edge) && !block.edge.overlaps(block.metrics));
    // The proxy meets only apps on the edge; Prometheus only what it scrapes on the metrics network.
    assert.deepEqual(Object.keys(a.edgeAddresses).sort(), ['site-1', 'web-1', 'web-2']);
    assert.deepEqual(Object.keys(a.metricsAddresses).sort(), ['db-exporter', 'jobs-1', 'web-1', 'web-2']);
    const inside = (subnet: string, ips: Record<string, string>) =>
      Object.values(ips).every((ip) => cidr(subnet).contains(cidr(`${ip}/32`)));
    assert.ok(inside(a.edge, a.edgeAddresses) && inside(a.metrics, a.metricsAddresses));
    const slots = containerSlots(r.spec.projects[0]!);
    assert.deepEqual(
      slots.filter((x) => !x.onEdge && !x.onMetrics).map((x) => x.key),
      ['quiet-1', 'db', 'mq'],
      'data services and workers without metrics sit on the internal network only',
    );
    // Recorded metrics addresses are kept, like the others.
    const recorded = rowsToRecorded(
      allocationsToRows({ a: { ...a, metricsAddresses: { ...a.metricsAddresses, 'web-1': '10.40.0.230' } } }),
    );
    assert.equal(
      planEnvironment(r.spec, { recorded }).allocations.a!.metricsAddresses['web-1'],
      '10.40.0.230',
    );
  });

  it('skips ports and subnets the host already uses', () => {
    const spec = specOf({ a: ['web', 'db'] });
    const plan = planEnvironment(spec, {
      host: {
        ports: new Set([8000, 8001, 5432]),
        subnets: [(Cidr.parse('172.20.0.0/24') as { value: Cidr }).value],
      },
    });
    assert.deepEqual(plan.allocations.a!.ports, { web: 8002, db: 5433 });
    assert.equal(plan.allocations.a!.subnet, '172.20.16.0/20');
  });

  it('keeps recorded allocations when projects are added before them', () => {
    const first = planEnvironment(specOf({ b: ['web', 'db'] }));
    const recorded = rowsToRecorded(allocationsToRows(first.allocations));
    const second = planEnvironment(specOf({ a: ['web', 'db'], b: ['web', 'db'] }), { recorded });
    assert.deepEqual(second.allocations.b, first.allocations.b);
    assert.notEqual(second.allocations.a!.subnet, first.allocations.b!.subnet);
    assert.deepEqual(second.diff.projects, [
      { name: 'a', change: 'add' },
      { name: 'b', change: 'keep' },
    ]);
  });

  it('reports a full range as a plan error at the service', () => {
    const text = `version: 1\nserver: { domain: t.test, capacity: { cpus: 100, memory: 100GiB } }\nports: { postgres: { from: 5432, to: 5432 } }\nprojects:\n  a: { services: { db: { type: postgres } } }\n  b: { services: { db: { type: postgres } } }\n`;
    const r = loadSpecText('p.yaml', text, {});
    const plan = planEnvironment(r.spec!);
    const errors = plan.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /no free postgres port left in 5432-5432 for b\/db/);
    assert.deepEqual(errors[0]!.path, ['projects', 'b', 'services', 'db']);
  });

  it("a range given as a first port runs up to the next range's first port, or to 65535", () => {
    const text = [
      'version: 1',
      'server: { domain: t.test, capacity: { cpus: 100, memory: 100GiB }, listen: { http: 8080, https: 8443 } }',
      'ports: { postgres: 5432, redis: { from: 6379, to: 6400 }, app: 8000 }',
      'projects: {}',
    ].join('\n');
    const spec = loadSpecText('p.yaml', text, {}).spec!;
    assert.deepEqual(
      portRange(spec, 'postgres'),
      { from: 5432, to: 5671 },
      'up to rabbitmq (5672 by default)',
    );
    assert.deepEqual(portRange(spec, 'rabbitmq'), { from: 5672, to: 6378 }, 'up to the first port of redis');
    assert.deepEqual(portRange(spec, 'redis'), { from: 6379, to: 6400 }, 'as written');
    assert.deepEqual(portRange(spec, 'app'), { from: 8000, to: 65535 }, 'the last range');
    // The app range spans the proxy's ports: no error, allocation steps over them.
    assert.deepEqual(planEnvironment(spec).diagnostics, []);
    const bounded = loadSpecText('p.yaml', text.replace('app: 8000', 'app: { from: 8000, to: 8999 }'), {});
    assert.deepEqual(
      bounded.diagnostics.map((d) => d.message),
      [
        "the app port range 8000-8999 includes the proxy's http port 8080",
        "the app port range 8000-8999 includes the proxy's https port 8443",
      ],
    );
  });

  it('plans 1,000 projects of two apps each with app: 40000', () => {
    const lines = [
      'version: 1',
      'server: { domain: t.test, capacity: { cpus: 10000, memory: 10000GiB } }',
      'network: { projects: 10.0.0.0/8, projectSize: 24 }',
      'ports: { app: 40000 }',
      'projects:',
    ];
    for (let i = 0; i < 1000; i++) {
      lines.push(
        `  p${i}: { services: { web: { type: app, image: x:1, routes: [{ path: / }] }, api: { type: app, image: x:1, routes: [{ path: /api }] } } }`,
      );
    }
    const r = loadSpecText('p.yaml', lines.join('\n'), {});
    assert.ok(r.spec, r.diagnostics.map((d) => d.message).join('\n'));
    const plan = planEnvironment(r.spec);
    assert.deepEqual(
      plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
      [],
    );
    const ports = allPorts(plan.allocations);
    assert.equal(new Set(ports).size, 2000);
    assert.equal(Math.min(...ports), 40000);
    assert.equal(Math.max(...ports), 41999);
  });

  it('property: random adds and removals keep allocations unique, inside their pools, and unchanged for survivors', () => {
    const projectNames = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
    const serviceNames = ['web', 'api', 'db', 'db2', 'cache', 'mq'];
    const step = fc.record({
      project: fc.constantFrom(...projectNames),
      services: fc.subarray(serviceNames, { minLength: 0 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const shape: Shape = {};
        let recorded = NOTHING_RECORDED;
        let previous: Allocations = {};
        for (const s of steps) {
          if (s.services.length === 0) delete shape[s.project];
          else shape[s.project] = s.services;
          const spec = specOf(shape);
          const plan = planEnvironment(spec, { recorded });
          assert.deepEqual(
            plan.diagnostics.filter((d) => d.severity === 'error'),
            [],
          );
          const a = plan.allocations;
          const ports = allPorts(a);
          assert.equal(new Set(ports).size, ports.length, 'ports are unique');
          const subnets = Object.values(a).map((x) => (Cidr.parse(x.subnet) as { value: Cidr }).value);
          for (let i = 0; i < subnets.length; i++) {
            assert.ok(spec.network.projects.contains(subnets[i]!), 'subnet inside the pool');
            for (let j = i + 1; j < subnets.length; j++)
              assert.ok(!subnets[i]!.overlaps(subnets[j]!), 'subnets do not overlap');
          }
          for (const [p, alloc] of Object.entries(a)) {
            for (const [svc, port] of Object.entries(alloc.ports)) {
              const kind = svc.startsWith('db')
                ? 5432
                : svc.startsWith('cache')
                  ? 6379
                  : svc.startsWith('mq')
                    ? 5672
                    : 8000;
              assert.ok(port >= kind && port < kind + 100, `port ${port} of ${p}/${svc} in its range`);
              const before = previous[p]?.ports[svc];
              if (before !== undefined) assert.equal(port, before, `${p}/${svc} keeps its port`);
            }
            if (previous[p]) assert.equal(alloc.subnet, previous[p]!.subnet, `${p} keeps its subnet`);
            const internal = (Cidr.parse(alloc.internal) as { value: Cidr }).value;
            const ips = Object.values(alloc.addresses);
            assert.equal(new Set(ips).size, ips.length, 'addresses unique');
            for (const ip of ips)
              assert.ok(internal.contains((Cidr.parse(`${ip}/32`) as { value: Cidr }).value));
            for (const [key, ip] of Object.entries(alloc.addresses)) {
              const before = previous[p]?.addresses[key];
              if (before !== undefined) assert.equal(ip, before, `${p}/${key} keeps its address`);
            }
          }
          // render/up record what they used: the next plan starts from it.
          recorded = rowsToRecorded(allocationsToRows(a));
          previous = a;
        }
      }),
      { numRuns: 60 },
    );
  });
});
