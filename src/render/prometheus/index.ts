import { SHARED_PORTS, sharedAddress } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { toYaml } from '../yaml.ts';
import { prometheusConfig } from './config.ts';
import { sharedPageUrl } from './public-url.ts';
import { ruleTests } from './rule-tests.ts';
import { alertRules, ruleFile, ruleGroups } from './rules.ts';

const HEADER = '# Rendered by stagecraft. Edit staging.yaml, not this file.\n';
const TESTS_HEADER = `${HEADER}# Unit tests of the rules: promtool test rules <this file>\n`;

/**
 * `shared/prometheus/`: `prometheus.yml`, `rules/<group>.yml` (one file per rule group) and
 * `tests/<group>.test.yml`, promtool unit tests in which every alert fires just past its threshold
 * and stays quiet just short of it. Nothing when Prometheus is off.
 */
export function renderPrometheus(ctx: RenderContext): Artifact[] {
  const p = ctx.spec.shared.monitoring.prometheus;
  if (p === false) return [];
  const out = [
    file('shared/prometheus/prometheus.yml', HEADER + toYaml(prometheusConfig(ctx, p.scrapeInterval))),
  ];
  for (const [group, rules] of ruleGroups(alertRules(ctx.spec))) {
    out.push(file(`shared/prometheus/rules/${group}.yml`, HEADER + toYaml(ruleFile(group, rules))));
    out.push(
      file(`shared/prometheus/tests/${group}.test.yml`, TESTS_HEADER + toYaml(ruleTests(group, rules))),
    );
  }
  return out;
}

/**
 * Prometheus's command line, for the compose renderer: retention is a flag, not a config setting,
 * and the external URL makes the links in alerts point at the proxy's `prometheus.<domain>`.
 */
export function prometheusArgs(spec: Spec): string[] {
  const p = spec.shared.monitoring.prometheus;
  const url = sharedPageUrl(spec, 'prometheus');
  return [
    '--config.file=/etc/prometheus/prometheus.yml',
    '--storage.tsdb.path=/prometheus',
    `--storage.tsdb.retention.time=${p === false ? '15d' : p.retention.toPrometheus()}`,
    // Only on shared-monitoring: Prometheus also sits on every project's edge network to scrape apps,
    // and its API (lifecycle endpoints included) must not answer there.
    `--web.listen-address=${sharedAddress(spec, 'prometheus')}:${SHARED_PORTS.prometheus}`,
    '--web.enable-lifecycle',
    ...(url ? [`--web.external-url=${url}`] : []),
  ];
}

export {
  ALERT,
  type AlertRule,
  type Labels,
  RULE_GROUPS,
  type RuleGroup,
  type Series,
  SYMPTOMS,
} from './alert.ts';
export { sharedPageUrl } from './public-url.ts';
export { alertRules } from './rules.ts';
