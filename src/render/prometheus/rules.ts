import type { Spec } from '../../spec/index.ts';

/** One alert rule, and the synthetic data that proves it: series above its threshold and below. */
export interface AlertRule {
  group: 'host' | 'services' | 'apps' | 'operations';
  alert: string;
  expr: string;
  for: string;
  severity: 'warning' | 'critical';
  summary: string;
  description: string;
  /** promtool input series (interval 1m) that make it fire, and that keep it quiet. */
  firing: Series[];
  quiet: Series[];
  /** Labels the firing alert carries besides alertname and severity. */
  labels: Record<string, string>;
}

export interface Series {
  series: string;
  values: string;
}

/** promtool evaluates here: well past any `for` plus the 5m rate window. */
export const EVAL_MINUTES = 40;
const STEPS = 50;

const seconds = (d: { toSeconds(): number }) => d.toSeconds();
const prom = (d: { toPrometheus(): string }) => d.toPrometheus();
const REAL_FS = 'fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs"';
const APP = { project: 'shop', service: 'web' };
const appSel = `project="${APP.project}",service="${APP.service}"`;

/** A counter over 1m steps that grows `perSecond` on average. */
const counter = (perSecond: number) => `0+${Math.round(perSecond * 60 * 1000) / 1000}x${STEPS}`;
const constant = (v: number) => `${v}x${STEPS}`;

export function alertRules(spec: Spec): AlertRule[] {
  const a = spec.shared.alerts;
  const m = spec.shared.monitoring;
  const rules: AlertRule[] = [];
  const host = { instance: 'shared-node-exporter:9100' };
  const hostSel = `instance="${host.instance}"`;
  if (m.nodeExporter && a.cpu !== false) {
    const t = a.cpu.above.value;
    const idle = (busy: number) => [
      { series: `node_cpu_seconds_total{${hostSel},cpu="0",mode="idle"}`, values: counter(1 - busy / 100) },
    ];
    rules.push({
      group: 'host',
      alert: 'HostHighCpu',
      expr: `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > ${t}`,
      for: prom(a.cpu.for),
      severity: 'warning',
      summary: `Host CPU above ${t}%`,
      description: `CPU use on {{ $labels.instance }} has been above ${t}% for ${prom(a.cpu.for)}.`,
      firing: idle(Math.min(99, t + (100 - t) / 2)),
      quiet: idle(t / 2),
      labels: host,
    });
  }
  if (m.nodeExporter && a.memory !== false) {
    const t = a.memory.above.value;
    const mem = (used: number) => [
      { series: `node_memory_MemTotal_bytes{${hostSel}}`, values: constant(1000) },
      {
        series: `node_memory_MemAvailable_bytes{${hostSel}}`,
        values: constant(Math.round(1000 * (1 - used / 100))),
      },
    ];
    rules.push({
      group: 'host',
      alert: 'HostHighMemory',
      expr: '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > ' + t,
      for: prom(a.memory.for),
      severity: 'warning',
      summary: `Host memory above ${t}%`,
      description: `Memory use on {{ $labels.instance }} has been above ${t}% for ${prom(a.memory.for)}.`,
      firing: mem(Math.min(99, t + (100 - t) / 2)),
      quiet: mem(t / 2),
      labels: host,
    });
  }
  if (m.nodeExporter && a.disk !== false) {
    const t = a.disk.above.value;
    const fs = `${hostSel},device="/dev/vda",fstype="ext4",mountpoint="/"`;
    const disk = (used: number) => [
      { series: `node_filesystem_size_bytes{${fs}}`, values: constant(1000) },
      { series: `node_filesystem_avail_bytes{${fs}}`, values: constant(Math.round(1000 * (1 - used / 100))) },
    ];
    rules.push({
      group: 'host',
      alert: 'HostDiskFull',
      expr: `100 * (1 - node_filesystem_avail_bytes{${REAL_FS}} / node_filesystem_size_bytes{${REAL_FS}}) > ${t}`,
      for: prom(a.disk.for),
      severity: 'critical',
      summary: `Disk {{ $labels.mountpoint }} above ${t}%`,
      description: `{{ $labels.mountpoint }} on {{ $labels.instance }} is more than ${t}% full.`,
      firing: disk(Math.min(99, t + (100 - t) / 2)),
      quiet: disk(t / 2),
      labels: { ...host, device: '/dev/vda', fstype: 'ext4', mountpoint: '/' },
    });
  }
  if (a.errorRate !== false) {
    const t = a.errorRate.above.value;
    const traffic = (errorPct: number) => [
      {
        series: `http_requests_total{${appSel},method="GET",status="200"}`,
        values: counter(10 * (1 - errorPct / 100)),
      },
      {
        series: `http_requests_total{${appSel},method="GET",status="500"}`,
        values: counter((10 * errorPct) / 100),
      },
    ];
    rules.push({
      group: 'apps',
      alert: 'AppHighErrorRate',
      expr: `100 * sum by (project, service) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (project, service) (rate(http_requests_total[5m])) > ${t}`,
      for: prom(a.errorRate.for),
      severity: 'critical',
      summary: '{{ $labels.project }}/{{ $labels.service }}: error rate above ' + `${t}%`,
      description: `More than ${t}% of requests to {{ $labels.project }}/{{ $labels.service }} fail with a 5xx status.`,
      firing: traffic(Math.min(90, t * 3)),
      quiet: traffic(t / 3),
      labels: APP,
    });
  }
  if (a.latencyP95 !== false) {
    const t = seconds(a.latencyP95.above);
    const buckets = (inside: number) =>
      [t / 2, t, t * 4]
        .map((le) => ({
          series: `http_request_duration_seconds_bucket{${appSel},le="${le}"}`,
          values: le >= inside ? counter(10) : constant(0),
        }))
        .concat({ series: `http_request_duration_seconds_bucket{${appSel},le="+Inf"}`, values: counter(10) });
    rules.push({
      group: 'apps',
      alert: 'AppSlowResponses',
      expr: `histogram_quantile(0.95, sum by (le, project, service) (rate(http_request_duration_seconds_bucket[5m]))) > ${t}`,
      for: prom(a.latencyP95.for),
      severity: 'warning',
      summary: '{{ $labels.project }}/{{ $labels.service }}: p95 latency above ' + prom(a.latencyP95.above),
      description: `The slowest 5% of requests to {{ $labels.project }}/{{ $labels.service }} take longer than ${t}s.`,
      firing: buckets(t * 4),
      quiet: buckets(t / 2),
      labels: APP,
    });
  }
  if (a.down !== false) {
    const up = (v: number) => [
      { series: `up{job="shop-web",instance="10.0.0.2:8000",${appSel}}`, values: constant(v) },
    ];
    rules.push({
      group: 'services',
      alert: 'ServiceDown',
      expr: 'up == 0',
      for: prom(a.down.for),
      severity: 'critical',
      summary: '{{ $labels.project }}/{{ $labels.service }} is down',
      description:
        '{{ $labels.instance }} ({{ $labels.job }}) of {{ $labels.project }}/{{ $labels.service }} has not answered its scrape for ' +
        `${prom(a.down.for)}.`,
      firing: up(0),
      quiet: up(1),
      labels: { job: 'shop-web', instance: '10.0.0.2:8000', ...APP },
    });
  }
  if (a.certExpiry !== false) {
    const within = seconds(a.certExpiry.within);
    const now = EVAL_MINUTES * 60;
    const expiry = (at: number) => [
      {
        series: 'stagecraft_certificate_expiry_timestamp_seconds{domain="shop.example.test"}',
        values: constant(at),
      },
    ];
    rules.push({
      group: 'operations',
      alert: 'CertificateExpiresSoon',
      expr: `stagecraft_certificate_expiry_timestamp_seconds - time() < ${within}`,
      for: '10m',
      severity: 'warning',
      summary: 'The certificate of {{ $labels.domain }} expires soon',
      description: `The certificate of {{ $labels.domain }} expires within ${prom(a.certExpiry.within)}: check the renewal.`,
      firing: expiry(now + within / 2),
      quiet: expiry(now + within * 2),
      labels: { domain: 'shop.example.test' },
    });
  }
  if (a.backupAge !== false) {
    const above = seconds(a.backupAge.above);
    const now = EVAL_MINUTES * 60;
    const last = (at: number) => [
      {
        series: `stagecraft_backup_last_success_timestamp_seconds{project="shop",service="db"}`,
        values: constant(at),
      },
    ];
    rules.push({
      group: 'operations',
      alert: 'BackupTooOld',
      expr: `time() - stagecraft_backup_last_success_timestamp_seconds > ${above}`,
      for: '10m',
      severity: 'critical',
      summary:
        '{{ $labels.project }}/{{ $labels.service }}: no successful backup for ' + prom(a.backupAge.above),
      description: `The last successful backup of {{ $labels.project }}/{{ $labels.service }} is older than ${prom(a.backupAge.above)}.`,
      firing: last(now - above * 2),
      quiet: last(now - above / 2),
      labels: { project: 'shop', service: 'db' },
    });
  }
  const cron = (v: number) => [
    { series: `stagecraft_cron_last_run_success{project="shop",service="nightly"}`, values: constant(v) },
  ];
  rules.push({
    group: 'operations',
    alert: 'CronJobFailed',
    expr: 'stagecraft_cron_last_run_success == 0',
    for: '0m',
    severity: 'warning',
    summary: '{{ $labels.project }}/{{ $labels.service }}: the last scheduled run failed',
    description:
      'The last run of the cron job {{ $labels.project }}/{{ $labels.service }} failed; see `stagecraft logs {{ $labels.project }} {{ $labels.service }}`.',
    firing: cron(0),
    quiet: cron(1),
    labels: { project: 'shop', service: 'nightly' },
  });
  return rules;
}
