import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { containerSlots, planEnvironment } from '../../../src/plan/index.ts';
import type { RenderContext } from '../../../src/render/index.ts';
import { alertRules, prometheusArgs, renderPrometheus } from '../../../src/render/prometheus/index.ts';
import { loadSpecText } from '../../../src/spec/index.ts';
import { EXAMPLE_NAMES, exampleContext } from '../../support/render.ts';

interface Job {
  job_name: string;
  metrics_path?: string;
  honor_labels?: boolean;
  static_configs?: { targets: string[]; labels: Record<string, string> }[];
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
  relabel_configs?: {
    source_labels?: string[];
    regex?: string;
    target_label: string;
    replacement?: string;
  }[];
  metric_relabel_configs?: { source_labels: string[]; target_label: string }[];
}

function config(ctx: RenderContext) {
  const text = renderPrometheus(ctx).find((a) => a.path === 'shared/prometheus/prometheus.yml')!.content;
  return parse(text) as {
    global: { scrape_interval: string; external_labels: Record<string, string> };
    rule_files: string[];
    alerting?: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: Job[];
  };
}

const job = (ctx: RenderContext, name: string) => config(ctx).scrape_configs.find((j) => j.job_name === name);

function specContext(text: string): RenderContext {
  const r = loadSpecText('t.yaml', text, {});
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  return { spec: r.spec, plan: planEnvironment(r.spec) };
}

const SMALL = `version: 1
environment: preview
server: { domain: t.test, capacity: { cpus: 8, memory: 16GiB } }
projects:
  shop:
    services:
      web: { type: app, image: x:1, port: 8080, replicas: 3, metrics: { path: /stats, port: 9102 } }
      api: { type: app, image: x:1, metrics: false }
      jobs: { type: worker, image: x:1, metrics: { port: 9200 } }
      quiet: { type: worker, image: x:1 }
      db: { type: postgres, backup: { schedule: "0 3 * * *" } }
      cache: { type: redis, exporter: false }
      nightly: { type: cron, image: x:1, schedule: "0 4 * * *", command: run }
`;

describe('Prometheus config: scrape jobs and rules follow the spec', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: every app with metrics is scraped, each replica found by DNS, labelled with environment, project and service`, () => {
      const ctx = exampleContext(name);
      const jobs = config(ctx).scrape_configs;
      for (const p of ctx.spec.projects) {
        for (const s of p.services) {
          const j = jobs.find((x) => x.job_name === `${p.name}-${s.name}`);
          if (s.type !== 'app' || s.metrics === false || s.replicas === 0) {
            if (s.type !== 'worker' || !s.metrics)
              assert.equal(j, undefined, `${p.name}/${s.name} is not scraped`);
            continue;
          }
          assert.ok(j, `${p.name}/${s.name} has a scrape job`);
          assert.equal(j.metrics_path, s.metrics?.path ?? '/metrics');
          assert.deepEqual(j.dns_sd_configs?.[0]?.names, [`${p.name}-${s.name}`]);
          assert.equal(j.dns_sd_configs?.[0]?.type, 'A');
          assert.equal(j.dns_sd_configs?.[0]?.port, s.metrics?.port ?? s.port);
          const fixed = Object.fromEntries(
            (j.relabel_configs ?? [])
              .filter((r) => !r.source_labels)
              .map((r) => [r.target_label, r.replacement]),
          );
          assert.deepEqual(fixed, { environment: ctx.spec.environment, project: p.name, service: s.name });
          // Each replica's fixed address on the metrics network is named after its container.
          const fixedAt = ctx.plan.allocations[p.name]!.metricsAddresses;
          for (const slot of containerSlots(p).filter((x) => x.service === s.name && x.role === 'service')) {
            const rule = j.relabel_configs!.find((r) => r.replacement === `${p.name}-${slot.key}`);
            assert.ok(rule, `a replica label for ${p.name}-${slot.key}`);
            assert.ok(
              new RegExp(`^${rule.regex}$`).test(`${fixedAt[slot.key]}:${s.metrics?.port ?? s.port}`),
            );
          }
        }
      }
    });
  }

  it('scrapes apps on metrics.port, workers with metrics, and only the exporters that exist', () => {
    const ctx = specContext(SMALL);
    const web = job(ctx, 'shop-web')!;
    assert.equal(web.metrics_path, '/stats');
    assert.deepEqual(web.dns_sd_configs, [
      { names: ['shop-web'], type: 'A', port: 9102, refresh_interval: '15s' },
    ]);
    assert.equal(job(ctx, 'shop-api'), undefined, 'metrics: false');
    assert.deepEqual(job(ctx, 'shop-jobs')!.dns_sd_configs![0]!.port, 9200);
    assert.equal(job(ctx, 'shop-quiet'), undefined, 'a worker without metrics');
    assert.deepEqual(job(ctx, 'shop-db-exporter')!.static_configs, [
      {
        targets: ['shop-db-exporter:9187'],
        labels: { environment: 'preview', project: 'shop', service: 'db', replica: 'shop-db-exporter' },
      },
    ]);
    assert.equal(job(ctx, 'shop-cache-exporter'), undefined, 'exporter: false');
    const missing = alertRules(ctx.spec).find((r) => r.alert === 'ServiceMissing')!;
    assert.match(missing.expr, /absent\(up\{job="shop-web",project="shop",service="web"\}\)/);
    assert.match(missing.expr, /absent\(up\{job="shop-jobs",project="shop",service="jobs"\}\)/);
    assert.doesNotMatch(missing.expr, /shop-api/);
  });

  it('scrapes the shared stack that runs, and the control plane with its own labels kept', () => {
    const ctx = exampleContext('beryl3');
    const c = config(ctx);
    assert.equal(c.global.scrape_interval, '15s');
    assert.deepEqual(c.global.external_labels, { environment: 'staging' });
    assert.deepEqual(c.rule_files, ['rules/*.yml']);
    assert.deepEqual(c.alerting!.alertmanagers[0]!.static_configs[0]!.targets, ['shared-alertmanager:9093']);
    const targets = Object.fromEntries(
      c.scrape_configs.map((j) => [j.job_name, j.static_configs?.[0]?.targets[0]]),
    );
    // Prometheus listens only on its shared-monitoring address, not on the projects' edge networks.
    assert.equal(targets.prometheus, '172.19.0.4:9090');
    assert.equal(targets.alertmanager, 'shared-alertmanager:9093');
    assert.equal(targets.proxy, 'shared-nginx-exporter:9113');
    assert.equal(targets.node, 'shared-node-exporter:9100');
    assert.equal(targets.cadvisor, 'shared-cadvisor:8080');
    // The proxy's shared-network address, which lets Prometheus alone through to serve's socket.
    assert.equal(targets.stagecraft, '172.19.0.2:9300');
    assert.equal(job(ctx, 'stagecraft')!.honor_labels, true);
    assert.deepEqual(
      job(ctx, 'cadvisor')!.metric_relabel_configs!.map((r) => [r.source_labels[0], r.target_label]),
      [
        ['container_label_io_stagecraft_project', 'project'],
        ['container_label_io_stagecraft_service', 'service'],
      ],
    );
    for (const j of c.scrape_configs.filter((x) => x.static_configs)) {
      assert.deepEqual(Object.keys(j.static_configs![0]!.labels).slice(0, 3), [
        'environment',
        'project',
        'service',
      ]);
    }
  });

  it('leaves out what does not run: no cAdvisor in the local image set, no Alertmanager when off', () => {
    const ctx = specContext(
      `${SMALL.replace('server: {', 'server: { images: local,')}shared:\n  monitoring: { alertmanager: false, cadvisor: true, nodeExporter: false }\n`,
    );
    const c = config(ctx);
    const names = c.scrape_configs.map((j) => j.job_name);
    assert.ok(
      !names.includes('cadvisor') && !names.includes('grafana') && !names.includes('node'),
      `${names}`,
    );
    assert.ok(!names.includes('alertmanager'));
    assert.equal(c.alerting, undefined);
    const alerts = alertRules(ctx.spec).map((r) => r.alert);
    assert.ok(!alerts.some((a) => a.startsWith('Container') || a.startsWith('Host')), `${alerts}`);
  });

  it('takes thresholds and durations from the spec', () => {
    const rules = alertRules(exampleContext('gw2').spec);
    const rule = (alert: string) => rules.find((r) => r.alert === alert)!;
    assert.match(rule('HostHighCpu').expr, /> 80$/);
    assert.equal(rule('HostHighCpu').for.toPrometheus(), '10m');
    assert.match(rule('HostHighMemory').expr, /> 90$/);
    assert.match(rule('HostDiskFull').expr, /> 85$/);
    assert.match(rule('AppHighErrorRate').expr, /> 5$/);
    assert.equal(rule('AppHighErrorRate').for.toPrometheus(), '2m');
    assert.match(rule('AppSlowResponses').expr, /> 2$/);
    assert.equal(rule('ServiceDown').for.toPrometheus(), '3m');
    assert.match(rule('BackupTooOld').expr, /> 93600$/, 'the default backupAge, 26h');
    assert.equal(
      rule('CertificateExpiresSoon'),
      undefined,
      'gw2 runs here with tls: none, so no certificates',
    );
    for (const r of rules) {
      assert.ok(['warning', 'critical'].includes(r.severity));
      if (r.alert === 'EnvironmentDrift')
        assert.match(r.summary, /^\{\{ \$labels\.project \}\}: .*\{\{ \$labels\.kind \}\}/, r.alert);
      else if (!r.alert.startsWith('Host'))
        assert.match(r.summary, /\{\{ \$labels\.project \}\}\/\{\{ \$labels\.service \}\}/, r.alert);
    }
  });

  it('a disabled alert has no rule, and no test', () => {
    const switches: Record<string, string[]> = {
      cpu: ['HostHighCpu', 'ContainerHighCpu'],
      memory: ['HostHighMemory', 'ContainerHighMemory'],
      disk: ['HostDiskFull'],
      errorRate: ['AppHighErrorRate'],
      latencyP95: ['AppSlowResponses'],
      down: ['ServiceDown', 'ServiceMissing'],
      certExpiry: ['CertificateExpiresSoon'],
      backupAge: ['BackupTooOld'],
    };
    const base = `${SMALL}shared:\n  proxy: { tls: selfsigned }\n`;
    const all = alertRules(specContext(base).spec).map((r) => r.alert);
    assert.deepEqual(
      [...all].sort(),
      [...Object.values(switches).flat(), 'CronJobFailed', 'EnvironmentDrift', 'BackupFailed'].sort(),
      'every alert is on by default',
    );
    for (const [key, names] of Object.entries(switches)) {
      const ctx = specContext(`${base}  alerts: { ${key}: false }\n`);
      const left = alertRules(ctx.spec).map((r) => r.alert);
      assert.deepEqual(
        left,
        all.filter((a) => !names.includes(a)),
        `${key}: false`,
      );
      const text = renderPrometheus(ctx)
        .map((a) => a.content)
        .join('\n');
      for (const n of names) assert.ok(!text.includes(n), `${n} is nowhere once ${key} is false`);
    }
    const none = specContext(
      `${base}  alerts: { cpu: false, memory: false, disk: false, errorRate: false, latencyP95: false, down: false, certExpiry: false, backupAge: false }\n`,
    );
    assert.deepEqual(
      alertRules(none.spec).map((r) => r.alert),
      ['CronJobFailed', 'BackupFailed', 'EnvironmentDrift'],
    );
  });

  it('renders nothing when Prometheus is off; the command line carries retention and the public URL', () => {
    assert.deepEqual(
      renderPrometheus(specContext(`${SMALL}shared:\n  monitoring: { prometheus: false }\n`)),
      [],
    );
    const args = prometheusArgs(exampleContext('beryl3').spec);
    assert.ok(args.includes('--storage.tsdb.retention.time=30d'));
    assert.ok(args.includes('--config.file=/etc/prometheus/prometheus.yml'));
    assert.ok(args.includes('--web.listen-address=172.19.0.4:9090'), 'not on the projects’ edge networks');
    assert.ok(args.includes('--web.external-url=https://prometheus.staging.mdubiel.org/'));
    assert.ok(
      prometheusArgs(exampleContext('demo').spec).includes(
        '--web.external-url=http://prometheus.demo.localhost:8080/',
      ),
    );
  });
});
