import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { file, renderSecretFiles, renderServerLayout } from '../../../src/render/index.ts';
import { nginxTest } from '../../support/nginx.ts';
import { EXAMPLE_NAMES, exampleContext, writeToTemp } from '../../support/render.ts';

type Compose = {
  services: Record<string, Record<string, unknown>>;
  networks: Record<string, Record<string, unknown>>;
};

/** `docker-compose config -q` on a file (it reads the file alone: no engine is asked). */
function composeConfig(file: string): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('docker-compose', ['-f', file, 'config', '-q'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b) => {
      err += String(b);
    });
    child.on('error', (e) => resolve({ code: null, err: e.message }));
    child.on('close', (code) => resolve({ code, err }));
  });
}

describe('compose files', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: docker-compose accepts every compose file`, async () => {
      const ctx = exampleContext(name);
      const artifacts = renderServerLayout(ctx);
      // env_file and compose secrets must exist for `config`; the real ones come from `up` or --with-secrets.
      const dir = writeToTemp([...artifacts, ...renderSecretFiles(ctx, () => 'x')]);
      const composes = artifacts.filter((a) => a.path.endsWith('compose.yaml'));
      assert.equal(composes.length, ctx.spec.projects.length + 1);
      // The files side by side: docker-compose (Python) takes a second or so to start.
      const results = await Promise.all(composes.map((a) => composeConfig(join(dir, a.path))));
      for (const [i, r] of results.entries()) assert.equal(r.code, 0, `${composes[i]!.path}: ${r.err}`);
    });
  }

  it('the check has teeth: a broken compose file is refused', async () => {
    const ctx = exampleContext('demo');
    const artifacts = renderServerLayout(ctx).map((a) =>
      a.path === 'projects/shop/compose.yaml'
        ? { ...a, content: a.content.replace('restart: unless-stopped', 'restart: [1, 2]') }
        : a,
    );
    const dir = writeToTemp([...artifacts, ...renderSecretFiles(ctx, () => 'x')]);
    const broken = await composeConfig(join(dir, 'projects/shop/compose.yaml'));
    assert.notEqual(broken.code, 0);
    assert.match(broken.err, /restart/, 'refused for the broken field');
  });

  it('project compose: replicas, three networks, data ports on 127.0.0.1 only, uses as start order, env files not values', () => {
    const ctx = exampleContext('beryl3');
    const compose = parse(
      renderServerLayout(ctx).find((a) => a.path === 'projects/beryl3/compose.yaml')!.content,
    ) as Compose;
    const s = compose.services;
    assert.ok(s['web-1'] && s['web-2'], 'two replicas');
    assert.equal(s['web-1']!.container_name, 'beryl3-web-1');
    assert.deepEqual(Object.keys(s['web-1']!.networks as object).sort(), ['edge', 'internal', 'metrics']);
    assert.deepEqual(Object.keys(s.db!.networks as object), ['internal']);
    // Prometheus meets the exporters on the metrics network; the proxy never does.
    assert.deepEqual(Object.keys(s['db-exporter']!.networks as object).sort(), ['internal', 'metrics']);
    // No metrics: the worker stays on the internal network.
    assert.deepEqual(Object.keys(s['worker-1']!.networks as object), ['internal']);
    assert.equal(s.queue!.networks && Object.keys(s.queue!.networks as object).join(), 'internal');
    assert.deepEqual(s.db!.ports, [`127.0.0.1:${ctx.plan.allocations.beryl3!.ports.db}:5432`]);
    for (const svc of Object.values(s)) {
      for (const p of (svc.ports as string[] | undefined) ?? []) assert.match(p, /^127\.0\.0\.1:/);
    }
    assert.deepEqual(s['web-1']!.depends_on, {
      db: { condition: 'service_healthy' },
      cache: { condition: 'service_healthy' },
      queue: { condition: 'service_healthy' },
    });
    assert.deepEqual(s['web-1']!.env_file, ['secrets/web-1.env']);
    const env = s['web-1']!.environment as Record<string, string>;
    assert.equal(env.PORT, '8000');
    assert.equal(env.DJANGO_DEBUG, 'False');
    assert.equal(env.DATABASE_URL, undefined, 'URLs with passwords are secrets');
    const labels = s['web-1']!.labels as Record<string, string>;
    assert.equal(labels['io.stagecraft.project'], 'beryl3');
    assert.equal(labels['io.stagecraft.service'], 'web');
    assert.equal(labels['io.stagecraft.environment'], 'staging');
    assert.ok(s['db-exporter'], 'postgres exporter');
    assert.ok(s['cache-exporter'], 'redis exporter');
    assert.deepEqual(s['web-release']!.profiles, ['release']);
    assert.deepEqual(s.stops!.profiles, ['cron']);
    assert.equal(
      (s.stops!.labels as Record<string, string>)['io.stagecraft.service.schedule'],
      '*/1 * * * *',
    );
    assert.equal(compose.networks.edge!.external, true);
    assert.equal(compose.networks.metrics!.external, true);
    assert.equal(compose.networks.internal!.name, 'beryl3-internal');
  });

  it('shared compose: enabled components only, the proxy on every edge network, Prometheus on every metrics network, skipped local components named', () => {
    const demo = exampleContext('demo');
    const compose = parse(
      renderServerLayout(demo).find((a) => a.path === 'shared/compose.yaml')!.content,
    ) as Compose;
    assert.deepEqual(Object.keys(compose.services).sort(), [
      'alertmanager',
      'nginx-exporter',
      'node-exporter',
      'prometheus',
      'proxy',
      'proxy-metrics',
    ]);
    assert.deepEqual(Object.keys(compose.services.proxy!.networks as object).sort(), [
      'blog-edge',
      'monitoring',
      'shop-edge',
    ]);
    assert.deepEqual(Object.keys(compose.services.prometheus!.networks as object).sort(), [
      'blog-metrics',
      'monitoring',
      'shop-metrics',
    ]);
    assert.equal(compose.networks['shop-metrics']!.internal, true);
    assert.ok(
      (compose.services.proxy!.ports as string[]).includes(
        `127.0.0.1:${demo.plan.allocations.shop!.ports.web}:${demo.plan.allocations.shop!.ports.web}`,
      ),
    );
    assert.equal(compose.networks['shop-edge']!.name, 'shop-edge');
    // So that the engine publishes the proxy's ports on its shared-network address (vhost.ts, directServer).
    assert.equal(compose.networks['shop-edge']!.internal, true);
    assert.equal(compose.networks.monitoring!.internal, undefined);
    const beryl3 = parse(
      renderServerLayout(exampleContext('beryl3')).find((a) => a.path === 'shared/compose.yaml')!.content,
    ) as Compose;
    assert.ok(
      beryl3.services.grafana && beryl3.services.loki && beryl3.services.alloy && beryl3.services.cadvisor,
    );
  });

  it('a RabbitMQ management UI: the broker on the internal network only, a gate of its own on the edge, and nginx -t passes its config', () => {
    const ctx = exampleContext('robson-k8s');
    const artifacts = renderServerLayout(ctx);
    const compose = parse(
      artifacts.find((a) => a.path === 'projects/robson/compose.yaml')!.content,
    ) as Compose;
    const s = compose.services;
    assert.deepEqual(Object.keys(s.rabbitmq!.networks as object), ['internal']);
    const gate = s['rabbitmq-ui']!;
    assert.equal(gate.container_name, 'robson-rabbitmq-ui');
    assert.deepEqual(gate.networks, { internal: {}, edge: { aliases: ['robson-rabbitmq'] } });
    assert.equal((gate.labels as Record<string, string>)['io.stagecraft.role'], 'ui');
    assert.deepEqual(gate.volumes, ['./rabbitmq-ui:/etc/stagecraft-ui:ro']);
    const conf = artifacts.find((a) => a.path === 'projects/robson/rabbitmq-ui/nginx.conf')!.content;
    assert.match(conf, /listen 15672;/);
    assert.match(conf, /set \$broker http:\/\/rabbitmq:15672;/);
    assert.doesNotMatch(conf, /[^1]5672/, 'nothing of AMQP');
    const dir = writeToTemp([file('nginx.conf', conf)], 'stagecraft-ui-gate-');
    const t = nginxTest(dir);
    assert.equal(t.status, 0, t.stderr);
  });

  it('secret values appear only in the mode-0600 secret files', () => {
    const ctx = exampleContext('beryl3');
    const marker = (project: string, name: string) => `SeCrEt-${project}-${name}-9f8e7d`;
    const secretFiles = renderSecretFiles(ctx, marker);
    for (const f of secretFiles) {
      if (f.path === 'shared/nginx/htpasswd/admin') {
        assert.match(f.content, /^admin:\{SSHA\}/, 'a salted hash, never the password');
        assert.doesNotMatch(f.content, /SeCrEt/);
      } else assert.equal(f.mode, 0o600, f.path);
    }
    assert.ok(secretFiles.some((f) => f.content.includes('SeCrEt-beryl3-DJANGO_SECRET_KEY')));
    assert.ok(
      secretFiles.some((f) =>
        /DATABASE_URL=postgres:\/\/beryl3:SeCrEt-beryl3-DB_PASSWORD-9f8e7d@db:5432\/beryl3/.test(f.content),
      ),
    );
    for (const a of renderServerLayout(ctx)) assert.doesNotMatch(a.content, /SeCrEt-/, a.path);
  });
});
