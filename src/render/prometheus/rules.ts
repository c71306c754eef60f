import type { Spec } from '../../spec/index.ts';
import { type AlertRule, RULE_GROUPS, type RuleGroup } from './alert.ts';
import { appAlerts } from './app-alerts.ts';
import { backupAlerts } from './backup-alerts.ts';
import { certificateAlerts } from './certificate-alerts.ts';
import { containerAlerts } from './container-alerts.ts';
import { deployAlerts } from './deploy-alerts.ts';
import { driftAlerts } from './drift-alerts.ts';
import { hostAlerts } from './host-alerts.ts';
import { registryAlerts } from './registry-alerts.ts';
import { runningComponents } from './running.ts';
import { discoveredServices } from './scrape.ts';
import { serviceAlerts } from './service-alerts.ts';

/**
 * Every alerting rule the spec asks for: each `shared.alerts` entry that is not `false`, for the
 * things that are there to watch (no host rules without node-exporter, no app rules without an app
 * that exports metrics, no backup rule without a backed-up database).
 */
export function alertRules(spec: Spec): AlertRule[] {
  const running = runningComponents(spec);
  const appsScraped = spec.projects.some((p) =>
    p.services.some((s) => s.type === 'app' && s.metrics !== false && s.replicas > 0),
  );
  return [
    ...hostAlerts(spec, running.has('node-exporter')),
    ...containerAlerts(spec, running.has('cadvisor')),
    ...appAlerts(spec, appsScraped),
    ...serviceAlerts(spec, discoveredServices(spec.projects)),
    ...backupAlerts(spec),
    ...certificateAlerts(spec),
    ...driftAlerts(),
    ...deployAlerts(spec),
    ...registryAlerts(spec),
  ];
}

/** The rules by file, in `RULE_GROUPS` order, leaving out empty groups. */
export function ruleGroups(rules: readonly AlertRule[]): [RuleGroup, AlertRule[]][] {
  return RULE_GROUPS.map((g) => [g, rules.filter((r) => r.group === g)] as [RuleGroup, AlertRule[]]).filter(
    ([, inGroup]) => inGroup.length > 0,
  );
}

/** `rules/<group>.yml`: one rule group, as Prometheus reads it. */
export function ruleFile(group: RuleGroup, rules: readonly AlertRule[]) {
  return {
    groups: [
      {
        name: group,
        rules: rules.map((r) => ({
          alert: r.alert,
          expr: r.expr,
          ...(r.for.toSeconds() > 0 ? { for: r.for.toPrometheus() } : {}),
          labels: { severity: r.severity, ...r.labels },
          annotations: { summary: r.summary, description: r.description },
        })),
      },
    ],
  };
}
