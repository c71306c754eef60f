import type { Duration } from '../../spec/index.ts';

/** The rule files, one per group (`rules/<group>.yml`), in the order they are rendered. */
export const RULE_GROUPS = [
  'host',
  'containers',
  'apps',
  'services',
  'backups',
  'certificates',
  'drift',
  'registry',
] as const;
export type RuleGroup = (typeof RULE_GROUPS)[number];

export type Labels = Record<string, string>;

/**
 * A synthetic series for a promtool unit test, sampled every minute: `value` at time 0 (default 0),
 * growing by `perSecond` (default 0). A gauge gives only `value`, a counter only `perSecond`.
 */
export interface Series {
  metric: string;
  labels: Labels;
  value?: number;
  perSecond?: number;
}

/** One alerting rule, and the data that proves it: series that cross its threshold, and series just short of it. */
export interface AlertRule {
  group: RuleGroup;
  alert: string;
  expr: string;
  for: Duration;
  severity: 'warning' | 'critical';
  /** Labels the rule itself sets, besides `severity`. */
  labels?: Labels;
  summary: string;
  description: string;
  proof: {
    /** Series just past the threshold, and the labels of each alert they raise (besides the rule's own). */
    firing: Series[];
    fires: Labels[];
    /** Series just short of the threshold (or otherwise meant to be ignored): no alert. */
    quiet: Series[];
    /**
     * The minute from which the firing series meet the condition (default 0). A `rate()` over a
     * counter that promtool starts at 0 reads low until its 5m window is full, high for `1 - rate`.
     */
    activeFrom?: number;
    /** What the two cases show, for the tests' names: `at 81% CPU`, `at 79% CPU`. */
    firesWhen: string;
    quietWhen: string;
  };
}

/** Every alert's name; the Alertmanager's inhibition rules name them too. */
export const ALERT = {
  hostCpu: 'HostHighCpu',
  hostMemory: 'HostHighMemory',
  hostDisk: 'HostDiskFull',
  containerCpu: 'ContainerHighCpu',
  containerMemory: 'ContainerHighMemory',
  errorRate: 'AppHighErrorRate',
  latency: 'AppSlowResponses',
  down: 'ServiceDown',
  missing: 'ServiceMissing',
  cron: 'CronJobFailed',
  backup: 'BackupTooOld',
  backupFailed: 'BackupFailed',
  certificate: 'CertificateExpiresSoon',
  drift: 'EnvironmentDrift',
  rolledBack: 'DeployRolledBack',
  registrySize: 'RegistryMirrorLarge',
} as const;

/**
 * Alerts that follow from a service being down rather than being news of their own: the Alertmanager
 * holds them back while that service's `ServiceDown` or `ServiceMissing` fires. A missed backup or a
 * failed cron run is not one of them: the control plane records those, whatever the exporters say.
 */
export const SYMPTOMS: readonly string[] = [
  ALERT.containerCpu,
  ALERT.containerMemory,
  ALERT.errorRate,
  ALERT.latency,
];

/** The labels host alerts carry, so routing and grouping treat them as the shared stack's. */
export const HOST_LABELS: Labels = { project: 'shared', service: 'host' };

/**
 * Test values a little past and a little short of a percentage threshold: one point either side
 * (less for thresholds under 2%), so the tests pin the threshold itself, not just its neighbourhood.
 */
export function aroundPercent(threshold: number): { above: number; below: number } {
  const step = threshold > 0 ? Math.min(1, threshold / 2) : 1;
  return { above: threshold + step, below: Math.max(0, threshold - step) };
}

/** Numbers as promtool series values: no float noise such as 0.30000000000000004. */
export function round(n: number): number {
  return Number(n.toPrecision(10));
}

/** A PromQL label matcher value: double-quoted, escaped. */
export function quoted(value: string): string {
  return JSON.stringify(value);
}

/** `metric{a="1",b="2"}`. */
export function selector(metric: string, labels: Labels): string {
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}=${quoted(v)}`)
    .join(',');
  return inner ? `${metric}{${inner}}` : metric;
}
