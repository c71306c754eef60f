import type { Spec } from '../../spec/index.ts';
import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { SHARED_PORTS, sharedContainer } from '../topology.ts';
import { toYaml } from '../yaml.ts';
import { type AlertRule, alertRules, EVAL_MINUTES } from './rules.ts';
import { scrapeConfigs } from './scrape.ts';

const HEADER = '# Rendered by stagecraft. Edit staging.yaml, not this file.\n';

/** Prometheus's command line: retention is a flag, not a config setting. */
export function prometheusArgs(spec: Spec): string[] {
  const p = spec.shared.monitoring.prometheus;
  return [
    '--config.file=/etc/prometheus/prometheus.yml',
    '--storage.tsdb.path=/prometheus',
    `--storage.tsdb.retention.time=${p === false ? '15d' : p.retention.toPrometheus()}`,
    '--web.enable-lifecycle',
  ];
}

/** `shared/prometheus/`: the config, one rule file per group, and promtool unit tests for every alert. */
export function renderPrometheus(ctx: RenderContext): Artifact[] {
  const { spec } = ctx;
  const p = spec.shared.monitoring.prometheus;
  if (p === false) return [];
  const rules = alertRules(spec);
  const groups = [...new Set(rules.map((r) => r.group))].sort();
  const config = {
    global: {
      scrape_interval: p.scrapeInterval.toPrometheus(),
      evaluation_interval: p.scrapeInterval.toPrometheus(),
      external_labels: { environment: spec.environment },
    },
    rule_files: groups.map((g) => `rules/${g}.yml`),
    ...(spec.shared.monitoring.alertmanager !== false
      ? {
          alerting: {
            alertmanagers: [
              {
                static_configs: [
                  { targets: [`${sharedContainer('alertmanager')}:${SHARED_PORTS.alertmanager}`] },
                ],
              },
            ],
          },
        }
      : {}),
    scrape_configs: scrapeConfigs(spec),
  };
  const out = [file('shared/prometheus/prometheus.yml', HEADER + toYaml(config))];
  for (const g of groups) {
    const inGroup = rules.filter((r) => r.group === g);
    out.push(
      file(
        `shared/prometheus/rules/${g}.yml`,
        HEADER + toYaml({ groups: [{ name: g, rules: inGroup.map(ruleEntry) }] }),
      ),
    );
    out.push(file(`shared/prometheus/tests/${g}.test.yml`, HEADER + toYaml(ruleTests(g, inGroup))));
  }
  return out;
}

function ruleEntry(r: AlertRule) {
  return {
    alert: r.alert,
    expr: r.expr,
    for: r.for,
    labels: { severity: r.severity },
    annotations: { summary: r.summary, description: r.description },
  };
}

/** `{{ $labels.x }}` filled in, as Prometheus renders an annotation with these labels. */
function expand(template: string, labels: Record<string, string>): string {
  return template.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, k: string) => labels[k] ?? '');
}

/** promtool unit tests: each alert fires on a series above its threshold and stays quiet below it. */
function ruleTests(group: string, rules: AlertRule[]) {
  const at = `${EVAL_MINUTES}m`;
  return {
    rule_files: [`../rules/${group}.yml`],
    evaluation_interval: '1m',
    tests: rules.flatMap((r) => [
      {
        name: `${r.alert} fires above its threshold`,
        interval: '1m',
        input_series: r.firing,
        alert_rule_test: [
          {
            eval_time: at,
            alertname: r.alert,
            exp_alerts: [
              {
                exp_labels: { ...r.labels, severity: r.severity },
                exp_annotations: {
                  summary: expand(r.summary, r.labels),
                  description: expand(r.description, r.labels),
                },
              },
            ],
          },
        ],
      },
      {
        name: `${r.alert} stays quiet below its threshold`,
        interval: '1m',
        input_series: r.quiet,
        alert_rule_test: [{ eval_time: at, alertname: r.alert, exp_alerts: [] }],
      },
    ]),
  };
}

export { type AlertRule, alertRules } from './rules.ts';
