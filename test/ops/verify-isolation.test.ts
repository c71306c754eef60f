import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LABEL } from '../../src/model/index.ts';
import {
  failures,
  hostExpectation,
  judge,
  matrixRows,
  type Probe,
  type ProbeWorld,
  probePositions,
  probesFrom,
  type RunningContainer,
  type Seen,
  type StartedPosition,
} from '../../src/ops/isolation-probes.ts';
import { connectScript, parseConnects, parseProcNetTcp } from '../../src/ops/verify-isolation.ts';
import { planEnvironment } from '../../src/plan/index.ts';
import { projectStack, sharedStack } from '../../src/render/index.ts';
import { formatDiagnostic, loadSpecFile } from '../../src/spec/index.ts';

const loaded = loadSpecFile(join(import.meta.dirname, '..', '..', 'examples', 'demo', 'staging.yaml'), {});
assert.ok(loaded.spec);
const plan = planEnvironment(loaded.spec);

/** A container as the engine lists it, with made-up addresses: `net=10.0.0.5` pairs. */
function container(
  name: string,
  project: string,
  service: string,
  networks: Record<string, string>,
  role?: string,
): RunningContainer {
  return {
    name,
    labels: {
      [LABEL.environment]: 'staging',
      [LABEL.project]: project,
      [LABEL.service]: service,
      ...(role ? { [LABEL.role]: role } : {}),
    },
    networks: Object.fromEntries(Object.entries(networks).map(([n, a]) => [n, { address: a }])),
  };
}

/** The demo as it runs: each project's app on its edge and metrics networks, exporters on the metrics network, data services on internal only. */
function demo(extra: (c: RunningContainer[]) => void = () => {}): RunningContainer[] {
  const out: RunningContainer[] = [];
  for (const [p, n] of [
    ['shop', 0],
    ['blog', 1],
  ] as const) {
    const internal = `${p}-internal`;
    const edge = `${p}-edge`;
    const metrics = `${p}-metrics`;
    out.push(
      container(
        `${p}-web-1`,
        p,
        'web',
        { [internal]: `10.${n}.0.2`, [edge]: `10.${n}.1.2`, [metrics]: `10.${n}.2.2` },
        'service',
      ),
      container(`${p}-db`, p, 'db', { [internal]: `10.${n}.0.3` }, 'service'),
      container(
        `${p}-db-exporter`,
        p,
        'db',
        { [internal]: `10.${n}.0.4`, [metrics]: `10.${n}.2.4` },
        'exporter',
      ),
      container(`${p}-cache`, p, 'cache', { [internal]: `10.${n}.0.5` }, 'service'),
      container(
        `${p}-cache-exporter`,
        p,
        'cache',
        { [internal]: `10.${n}.0.6`, [metrics]: `10.${n}.2.6` },
        'exporter',
      ),
    );
  }
  const shared = (service: string, i: number, joins?: 'edge' | 'metrics') =>
    container(`shared-${service}`, 'shared', service, {
      'shared-monitoring': `10.9.0.${i}`,
      ...(joins === 'edge' ? { 'shop-edge': `10.0.1.${200 + i}`, 'blog-edge': `10.1.1.${200 + i}` } : {}),
      ...(joins === 'metrics'
        ? { 'shop-metrics': `10.0.2.${200 + i}`, 'blog-metrics': `10.1.2.${200 + i}` }
        : {}),
    });
  out.push(shared('proxy', 2, 'edge'), shared('prometheus', 4, 'metrics'), shared('alertmanager', 5));
  extra(out);
  return out;
}

function worldOf(
  containers: RunningContainer[],
  hostListeners: ProbeWorld['hostListeners'] = [],
): ProbeWorld {
  return { plan, containers, hostListeners, hostAddresses: ['172.17.0.1'] };
}

function started(world: ProbeWorld): StartedPosition[] {
  return probePositions(plan, world.containers).map((p) => ({
    ...p,
    gateways: Object.fromEntries(p.networks.map((n) => [n, `gw.${n}`])),
  }));
}

/** Runs the probes against a model of reachability: same network, or listed as open. */
function simulate(world: ProbeWorld, open: (p: Probe, from: StartedPosition) => boolean) {
  return started(world).flatMap((pos) =>
    probesFrom(pos, world).map((p) => judge(p, (open(p, pos) ? 'open' : 'timeout') as Seen)),
  );
}

/** What Docker bridges do: a container reaches addresses on networks it shares. */
function bridges(world: ProbeWorld) {
  const where = new Map<string, string>();
  for (const c of world.containers) for (const [n, a] of Object.entries(c.networks)) where.set(a.address, n);
  return (p: Probe, from: StartedPosition) => from.networks.includes(where.get(p.address) ?? '');
}

describe('verify isolation, the pure part: from the plan and what runs to probes and verdicts', () => {
  it('stands one probe per project where its containers sit, one where the proxy and Prometheus stand', () => {
    const positions = probePositions(plan, demo());
    assert.deepEqual(
      positions.map((p) => [p.source, p.networks.join(',')]),
      [
        ['shop/*', 'shop-edge,shop-internal,shop-metrics'],
        ['blog/*', 'blog-edge,blog-internal,blog-metrics'],
        ['shared/proxy', 'blog-edge,shared-monitoring,shop-edge'],
        ['shared/prometheus', 'blog-metrics,shared-monitoring,shop-metrics'],
      ],
    );
    // Nothing running yet: where the plan puts them.
    assert.deepEqual(
      probePositions(plan, []).map((p) => p.networks.join(',')),
      [
        'shop-internal,shop-edge,shop-metrics',
        'blog-internal,blog-edge,blog-metrics',
        'blog-edge,shared-monitoring,shop-edge',
        'blog-metrics,shared-monitoring,shop-metrics',
      ],
    );
  });

  it('expects own services open, other projects and shared admin ports closed, on every address', () => {
    const world = worldOf(demo());
    const shop = started(world)[0]!;
    const probes = probesFrom(shop, world);
    const find = (to: string, port: number) => probes.filter((p) => p.to === to && p.port === port);
    assert.deepEqual(
      find('shop/db', 5432).map((p) => [p.address, p.expect]),
      [['10.0.0.3', 'open']],
    );
    assert.deepEqual(
      find('shop/web', 8000).map((p) => p.expect),
      ['open', 'open', 'open'],
      'the app on its three networks',
    );
    assert.deepEqual(
      find('blog/db', 5432).map((p) => [p.address, p.expect]),
      [['10.1.0.3', 'closed']],
    );
    assert.deepEqual(
      find('shared/prometheus', 9090).map((p) => p.address),
      ['10.1.2.204', '10.9.0.4', '10.0.2.204'],
      'a shared component on all its addresses',
    );
    assert.ok(find('shared/prometheus', 9090).every((p) => p.expect === 'closed'));
    assert.equal(find('shared/proxy', 80).length, 0, 'the proxy is not an admin port');
  });

  it('finds what listens on every address of a container on a project’s edge network: Prometheus, the proxy’s direct ports', () => {
    const world = worldOf(demo());
    // A project shares its edge network with Prometheus and the proxy: what they serve on every
    // address answers there. That is why both listen on their shared-network address only.
    assert.deepEqual(
      failures(simulate(world, bridges(world))).map((f) => f.split(' (')[0]),
      [
        'shop/* reached shared/prometheus:9090',
        'shop/* reached blog/web:18001',
        'shop/* reached shared/control-plane:9300',
        'blog/* reached shared/prometheus:9090',
        'blog/* reached shop/web:18000',
        'blog/* reached shared/control-plane:9300',
      ],
    );
  });

  it('passes when networks do what the design says and Prometheus and the direct ports listen on the shared network only', () => {
    const world = worldOf(demo());
    const onBridges = bridges(world);
    const sharedOnly = new Set([
      'shared-prometheus:9090',
      'shared-proxy:18000',
      'shared-proxy:18001',
      'shared-proxy:9300',
    ]);
    const results = simulate(
      world,
      (p, from) =>
        onBridges(p, from) &&
        !(sharedOnly.has(`${p.container}:${p.port}`) && p.network !== 'shared-monitoring'),
    );
    assert.deepEqual(failures(results), []);
    const rows = matrixRows(results);
    const row = (from: string, to: string) => rows.find((r) => r.from === from && r.to === to);
    assert.deepEqual(
      { ...row('shop/*', 'shop/db'), why: '' },
      {
        from: 'shop/*',
        to: 'shop/db',
        port: 5432,
        expected: 'reach',
        reached: 1,
        tried: 1,
        verdict: 'ok',
        why: '',
      },
    );
    assert.equal(row('shop/*', 'blog/web')?.verdict, 'ok');
    assert.equal(row('shared/proxy', 'shop/web')?.expected, 'reach');
    // The proxy does not share a network with the exporters any more: blocked by the network.
    assert.equal(row('shared/proxy', 'shop/db-exporter')?.verdict, 'ok');
    assert.equal(row('shared/proxy', 'shop/db-exporter')?.expected, 'blocked');
    assert.ok(rows.every((r) => r.verdict !== 'unenforced'));
    assert.equal(row('shared/proxy', 'shop/db')?.verdict, 'ok');
    assert.equal(row('shared/prometheus', 'shop/db-exporter')?.expected, 'reach');
  });

  it('a shop container joined to blog’s internal network moves the probe, and the pair is named', () => {
    const world = worldOf(
      demo((cs) => {
        cs.find((c) => c.name === 'shop-web-1')!.networks['blog-internal'] = { address: '10.1.0.99' };
      }),
    );
    assert.deepEqual(started(world)[0]?.networks, [
      'blog-internal',
      'shop-edge',
      'shop-internal',
      'shop-metrics',
    ]);
    const failed = failures(simulate(world, bridges(world)));
    assert.ok(
      failed.some((f) =>
        f.startsWith(
          'shop/* reached blog/db:5432 (blog-db at 10.1.0.3 on blog-internal), which the matrix forbids: every other project',
        ),
      ),
      failed.join('\n'),
    );
  });

  it('a needed path that fails is a failure too', () => {
    const world = worldOf(demo());
    const results = simulate(world, (p, from) => bridges(world)(p, from) && p.to !== 'shop/cache');
    assert.ok(failures(results).some((f) => f.startsWith('shop/* could not reach shop/cache:6379')));
    assert.equal(
      matrixRows(results).find((r) => r.to === 'shop/cache' && r.from === 'shop/*')?.verdict,
      'missing',
    );
  });

  it('host ports: the public proxy port may be reached, 127.0.0.1 ports and others may not', () => {
    const listeners = [
      { address: '0.0.0.0', port: 8080 },
      { address: '127.0.0.1', port: 15432 },
      { address: '0.0.0.0', port: 22 },
      { address: '0.0.0.0', port: 9300 },
    ];
    const world = worldOf(demo(), listeners);
    assert.equal(hostExpectation(world, listeners[0]!).expect, 'either');
    assert.match(hostExpectation(world, listeners[1]!).why, /127\.0\.0\.1 only/);
    assert.equal(hostExpectation(world, listeners[2]!).expect, 'closed');
    assert.equal(
      hostExpectation({ ...world, allowHostPorts: new Set([22]) }, listeners[2]!).expect,
      'either',
    );
    const [shop, , , prometheus] = started(world);
    const host = probesFrom(shop!, world).filter((p) => p.to === 'host');
    assert.deepEqual(
      [...new Set(host.filter((p) => p.port === 22).map((p) => p.address))],
      ['172.17.0.1', 'gw.shop-edge', 'gw.shop-internal', 'gw.shop-metrics'],
      'on each of its gateways and docker0',
    );
    assert.ok(host.filter((p) => p.port === 9300).every((p) => p.expect === 'closed'));
    // Prometheus reads the control plane through the proxy's shared-network address; no host port is its way.
    assert.deepEqual(
      probesFrom(prometheus!, world)
        .filter((p) => p.to === 'host' || p.port === 9300)
        .map((p) => [p.to, p.address, p.expect]),
      [['shared/control-plane', '10.9.0.2', 'open']],
    );
    // From a project, the proxy's listener is closed on every address it has.
    assert.deepEqual(
      probesFrom(shop!, world)
        .filter((p) => p.to === 'shared/control-plane')
        .map((p) => [p.address, p.expect]),
      [
        ['10.9.0.2', 'closed'],
        ['10.0.1.202', 'closed'],
        ['10.1.1.202', 'closed'],
      ],
    );
    // Reached from shop: sshd on every address is a finding, the proxy's port is not.
    const results = host.map((p) => judge(p, 'open'));
    assert.ok(failures(results).some((f) => f.startsWith('shop/* reached host:22')));
    assert.ok(!failures(results).some((f) => f.includes('host:8080')));
  });

  it('reads /proc/net/tcp listeners and the probe script’s output', () => {
    const tcp = [
      '  sl  local_address rem_address   st',
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1',
      '   1: 0100007F:3C48 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 2',
      '   2: 0100007F:3C48 0200007F:1234 01 00000000:00000000 00:00000000 00000000 0 0 3',
    ].join('\n');
    assert.deepEqual(parseProcNetTcp(tcp, false), [
      { address: '0.0.0.0', port: 8080 },
      { address: '127.0.0.1', port: 15432 },
    ]);
    const tcp6 = `h\n 0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A\n 1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A`;
    assert.deepEqual(parseProcNetTcp(tcp6, true), [
      { address: '::', port: 8080 },
      { address: '::1', port: 22 },
    ]);
    const script = connectScript(
      [
        { address: '10.0.0.3', port: 5432 },
        { address: '10.1.0.3', port: 5432 },
      ],
      2,
    );
    assert.match(script, /^try 10\.0\.0\.3 5432 0 &$/m);
    assert.match(script, /seq 20\)/);
    assert.deepEqual(parseConnects('0 open\n2 refused\nnoise\n', 3), ['open', 'timeout', 'refused']);
  });
});

/** Every long-running container of the rendered stacks as the engine would list it; addresses the engine picks are made up. */
function renderedWorld(specText: string | { example: string }): ProbeWorld {
  const loaded =
    typeof specText === 'string'
      ? loadSpecText(specText)
      : loadSpecFile(join(import.meta.dirname, '..', '..', 'examples', specText.example, 'staging.yaml'), {});
  assert.ok(loaded.spec, loaded.diagnostics.map(formatDiagnostic).join('\n'));
  const ctx = { spec: loaded.spec, plan: planEnvironment(loaded.spec) };
  const stacks = [
    sharedStack(ctx, { prometheusArgs: [] }),
    ...loaded.spec.projects.flatMap((p) => projectStack(ctx, p) ?? []),
  ];
  let next = 0;
  const containers: RunningContainer[] = [];
  for (const stack of stacks) {
    const names = new Map(stack.networks.map((n) => [n.key, n.name]));
    for (const c of stack.containers) {
      if (c.oneOff) continue;
      const networks: RunningContainer['networks'] = {};
      for (const a of c.networks) {
        next++;
        networks[names.get(a.network)!] = { address: a.ipv4 ?? `10.250.${next >> 8}.${next & 255}` };
      }
      containers.push({ name: c.name, labels: c.labels, networks });
    }
  }
  return { plan: ctx.plan, containers, hostListeners: [], hostAddresses: ['172.17.0.1'] };
}

function loadSpecText(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-isolation-'));
  try {
    writeFileSync(join(dir, 'staging.yaml'), text);
    return loadSpecFile(join(dir, 'staging.yaml'), {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Docker bridges, and what listens where: Prometheus, the proxy's direct ports and its control-plane listener on their shared-network address only. */
function asDesigned(world: ProbeWorld) {
  const onBridges = bridgesOf(world);
  const direct = new Set(Object.values(world.plan.allocations).flatMap((a) => Object.values(a.ports)));
  return (p: Probe, from: StartedPosition) =>
    onBridges(p, from) &&
    !(
      p.network !== 'shared-monitoring' &&
      ((p.container === 'shared-prometheus' && p.port === 9090) ||
        (p.container === 'shared-proxy' && (direct.has(p.port) || p.port === 9300)))
    );
}

function bridgesOf(world: ProbeWorld) {
  const where = new Map<string, string>();
  for (const c of world.containers) for (const [n, a] of Object.entries(c.networks)) where.set(a.address, n);
  return (p: Probe, from: StartedPosition) => from.networks.includes(where.get(p.address) ?? '');
}

function simulateIn(world: ProbeWorld) {
  const positions = probePositions(world.plan, world.containers).map((p) => ({
    ...p,
    gateways: Object.fromEntries(p.networks.map((n) => [n, `gw.${n}`])),
  }));
  const open = asDesigned(world);
  return positions.flatMap((pos) =>
    probesFrom(pos, world).map((p) => judge(p, (open(p, pos) ? 'open' : 'timeout') as Seen)),
  );
}

/** One project with PostgreSQL, Redis and RabbitMQ with its management UI, and an app that exports metrics. */
export const QUEUE_UI_SPEC = `version: 1
environment: production
server: { host: local, domain: isolation.localhost, capacity: { cpus: 4, memory: 8GiB }, images: local, listen: { http: 28990 } }
network: { shared: 10.246.0.0/24, projects: 10.247.0.0/16, projectSize: 24 }
ports: { postgres: 29400, redis: 29500, rabbitmq: 29600, app: 29700 }
shared:
  proxy: { tls: none }
  monitoring: { prometheus: {}, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  lab:
    services:
      web: { type: app, image: stagecraft/demo-app:1, metrics: { path: /metrics }, uses: [db, cache, queue] }
      db: { type: postgres }
      cache: { type: redis }
      queue: { type: rabbitmq, ui: true }
`;

describe('verify isolation on the rendered stacks: the networks alone enforce the matrix', () => {
  for (const example of ['demo', 'beryl3', 'arch-host', 'gw2', 'parity', 'robson-k8s'])
    it(`${example}: no failure and no pair the networks leave open (~)`, () => {
      const results = simulateIn(renderedWorld({ example }));
      assert.deepEqual(failures(results), []);
      const loose = matrixRows(results).filter((r) => r.verdict === 'unenforced');
      assert.deepEqual(
        loose.map((r) => `${r.from} → ${r.to}:${r.port}`),
        [],
      );
    });

  it('PostgreSQL, Redis and RabbitMQ with its UI: the proxy reaches the UI through its gate, not AMQP; Prometheus neither', () => {
    const world = renderedWorld(QUEUE_UI_SPEC);
    const results = simulateIn(world);
    assert.deepEqual(failures(results), []);
    const rows = matrixRows(results);
    const row = (from: string, to: string, port: number) =>
      rows.find((r) => r.from === from && r.to === to && r.port === port);
    assert.deepEqual(
      rows.filter((r) => r.verdict === 'unenforced').map((r) => `${r.from} → ${r.to}:${r.port}`),
      [],
    );
    assert.equal(row('shared/proxy', 'lab/queue', 15672)?.expected, 'reach');
    assert.equal(row('shared/proxy', 'lab/queue', 15672)?.reached, 1, 'through the gate');
    assert.equal(row('shared/proxy', 'lab/queue', 5672)?.expected, 'blocked');
    assert.equal(row('shared/prometheus', 'lab/queue', 5672)?.expected, 'blocked');
    assert.equal(row('shared/prometheus', 'lab/queue', 15672)?.expected, 'blocked');
    assert.equal(row('shared/proxy', 'lab/db-exporter', 9187)?.expected, 'blocked');
    assert.equal(row('shared/prometheus', 'lab/db-exporter', 9187)?.expected, 'reach');
    assert.equal(row('lab/*', 'lab/queue', 5672)?.expected, 'reach');
  });

  it('the same project on the old layout (broker and exporters on the edge, Prometheus on it) shows the 5 open pairs', () => {
    const world = renderedWorld(QUEUE_UI_SPEC);
    // Back to one edge network for the proxy and Prometheus, the broker and the exporters on it.
    for (const c of world.containers) {
      const metrics = c.networks['lab-metrics'];
      if (metrics) {
        delete c.networks['lab-metrics'];
        c.networks['lab-edge'] ??= metrics;
      }
      if (c.name === 'lab-queue') c.networks['lab-edge'] = { address: '10.251.0.9' };
    }
    world.containers.splice(
      world.containers.findIndex((c) => c.name === 'lab-queue-ui'),
      1,
    );
    assert.deepEqual(
      matrixRows(simulateIn(world))
        .filter((r) => r.verdict === 'unenforced')
        .map((r) => `${r.from} → ${r.to}:${r.port}`)
        .sort(),
      [
        'shared/prometheus → lab/queue:15672',
        'shared/prometheus → lab/queue:5672',
        'shared/proxy → lab/cache-exporter:9121',
        'shared/proxy → lab/db-exporter:9187',
        'shared/proxy → lab/queue:5672',
      ],
    );
  });
});
