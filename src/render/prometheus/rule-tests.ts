import type { AlertRule, Labels, RuleGroup, Series } from './alert.ts';
import { round, selector } from './alert.ts';

/**
 * `tests/<group>.test.yml`, for `promtool test rules`: for each alert, series just past its
 * threshold make it fire, not a minute before its `for` has passed and with the expected labels
 * and annotations; series just short of it keep it quiet.
 */
export function ruleTests(group: RuleGroup, rules: readonly AlertRule[]) {
  return {
    rule_files: [`../rules/${group}.yml`],
    evaluation_interval: '1m',
    tests: rules.flatMap((r) => {
      const from = r.proof.activeFrom ?? 0;
      const firesAt = from + Math.ceil(r.for.toSeconds() / 60);
      // Late enough for every 5m rate() window to be full, so no reading is still warming up.
      const check = Math.max(firesAt + 2, 7);
      const steps = check + 5;
      const pending =
        r.for.toSeconds() > 0 ? [{ eval_time: `${firesAt - 1}m`, alertname: r.alert, exp_alerts: [] }] : [];
      return [
        {
          name: `${r.alert} fires ${r.proof.firesWhen}`,
          interval: '1m',
          input_series: r.proof.firing.map((s) => inputSeries(s, steps)),
          alert_rule_test: [
            ...pending,
            {
              eval_time: `${check}m`,
              alertname: r.alert,
              exp_alerts: r.proof.fires.map((labels) => expectedAlert(r, labels)),
            },
          ],
        },
        {
          name: `${r.alert} stays quiet ${r.proof.quietWhen}`,
          interval: '1m',
          input_series: r.proof.quiet.map((s) => inputSeries(s, steps)),
          alert_rule_test: [{ eval_time: `${check}m`, alertname: r.alert, exp_alerts: [] }],
        },
      ];
    }),
  };
}

/** promtool's expanding notation: `a+bxN` is a, a+b, … (N+1 samples, one a minute). */
function inputSeries(s: Series, steps: number) {
  const start = round(s.value ?? 0);
  const perMinute = round((s.perSecond ?? 0) * 60);
  return {
    series: selector(s.metric, s.labels),
    values: perMinute === 0 ? `${start}x${steps}` : `${start}+${perMinute}x${steps}`,
  };
}

function expectedAlert(r: AlertRule, fired: Labels) {
  const labels = { ...fired, ...r.labels, severity: r.severity };
  return {
    exp_labels: labels,
    exp_annotations: { summary: expand(r.summary, labels), description: expand(r.description, labels) },
  };
}

/** An annotation as Prometheus renders it for these labels; only `{{ $labels.x }}` is used. */
function expand(template: string, labels: Labels): string {
  const out = template.replace(
    /\{\{ \$labels\.([A-Za-z_][A-Za-z0-9_]*) \}\}/g,
    (_, k: string) => labels[k] ?? '',
  );
  if (out.includes('{{')) throw new Error(`annotation template beyond $labels: ${template}`);
  return out;
}
