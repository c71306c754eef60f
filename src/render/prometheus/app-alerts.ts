import type { Spec } from '../../spec/index.ts';
import { ALERT, type AlertRule, aroundPercent, round, type Series } from './alert.ts';

/**
 * Each app's own view of its traffic (`http_requests_total`, `http_request_duration_seconds`),
 * per project and service: the share of 5xx answers and the 95th percentile latency.
 */
export function appAlerts(spec: Spec, appsScraped: boolean): AlertRule[] {
  if (!appsScraped) return [];
  const a = spec.shared.alerts;
  const app = { job: 'example-web', instance: '172.30.0.2:8000', project: 'example', service: 'web' };
  const fires = [{ project: app.project, service: app.service }];
  const rules: AlertRule[] = [];

  if (a.errorRate !== false) {
    const t = a.errorRate.above.value;
    const { above, below } = aroundPercent(t);
    const perSecond = 20;
    // 4xx answers are the client's mistake: the quiet case has plenty of them.
    const traffic = (errorPct: number, notFoundPct = 0): Series[] =>
      [
        { status: '200', pct: 100 - errorPct - notFoundPct },
        { status: '404', pct: notFoundPct },
        { status: '500', pct: errorPct },
      ]
        .filter((s) => s.pct > 0)
        .map((s) => ({
          metric: 'http_requests_total',
          labels: { ...app, method: 'GET', status: s.status },
          perSecond: round((perSecond * s.pct) / 100),
        }));
    rules.push({
      group: 'apps',
      alert: ALERT.errorRate,
      expr:
        '100 * sum by (project, service) (rate(http_requests_total{status=~"5.."}[5m]))' +
        ` / sum by (project, service) (rate(http_requests_total[5m])) > ${t}`,
      for: a.errorRate.for,
      severity: 'critical',
      summary: `{{ $labels.project }}/{{ $labels.service }}: more than ${t}% of requests fail`,
      description: `More than ${t}% of the requests to {{ $labels.project }}/{{ $labels.service }} have ended in a 5xx error for ${a.errorRate.for}. Its logs: stagecraft logs {{ $labels.project }} {{ $labels.service }}.`,
      proof: {
        firing: traffic(above),
        fires,
        activeFrom: 1,
        quiet: traffic(below, Math.min(40, 100 - below)),
        firesWhen: `with ${above}% 5xx answers`,
        quietWhen: `with ${below}% 5xx answers and many 4xx`,
      },
    });
  }

  if (a.latencyP95 !== false) {
    const t = a.latencyP95.above.toSeconds();
    // Buckets around the threshold: every request in (t/2, t] puts the p95 just under t (0.975 t),
    // every request in (t, 1.1 t] puts it just over (1.095 t).
    const bounds = [round(t / 2), t, round(t * 1.1)];
    const buckets = (slowest: number): Series[] => [
      ...bounds.map((le) => ({
        metric: 'http_request_duration_seconds_bucket',
        labels: { ...app, le: String(le) },
        ...(le >= slowest ? { perSecond: 10 } : { value: 0 }),
      })),
      { metric: 'http_request_duration_seconds_bucket', labels: { ...app, le: '+Inf' }, perSecond: 10 },
    ];
    const limit = a.latencyP95.above.toPrometheus();
    rules.push({
      group: 'apps',
      alert: ALERT.latency,
      expr: `histogram_quantile(0.95, sum by (le, project, service) (rate(http_request_duration_seconds_bucket[5m]))) > ${t}`,
      for: a.latencyP95.for,
      severity: 'warning',
      summary: `{{ $labels.project }}/{{ $labels.service }}: p95 latency above ${limit}`,
      description: `The slowest 5% of the requests to {{ $labels.project }}/{{ $labels.service }} have taken longer than ${limit} for ${a.latencyP95.for}.`,
      proof: {
        firing: buckets(bounds[2]!),
        fires,
        activeFrom: 1,
        quiet: buckets(bounds[1]!),
        firesWhen: `with a p95 of ${round(t * 1.095)}s`,
        quietWhen: `with a p95 of ${round(t * 0.975)}s`,
      },
    });
  }
  return rules;
}
