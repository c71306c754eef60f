import { Duration, type Spec } from '../../spec/index.ts';
import { ALERT, type AlertRule, selector } from './alert.ts';
import type { DiscoveredService } from './scrape.ts';

/**
 * Services that stop answering: a target whose scrape fails (`up == 0`), a service with no replica
 * left for DNS to find (its targets vanish, so `up == 0` cannot say it), and cron runs that fail.
 */
export function serviceAlerts(spec: Spec, discovered: readonly DiscoveredService[]): AlertRule[] {
  const rules: AlertRule[] = [];
  const down = spec.shared.alerts.down;
  if (down !== false) {
    const target = {
      job: 'example-web',
      instance: '172.30.0.2:8000',
      environment: spec.environment,
      project: 'example',
      service: 'web',
      replica: 'example-web-1',
    };
    rules.push({
      group: 'services',
      alert: ALERT.down,
      expr: 'up == 0',
      for: down.for,
      severity: 'critical',
      summary: '{{ $labels.project }}/{{ $labels.service }} is down: {{ $labels.instance }} does not answer',
      description: `Prometheus has not reached {{ $labels.instance }} (replica {{ $labels.replica }}, job {{ $labels.job }}) of {{ $labels.project }}/{{ $labels.service }} for ${down.for}. Check it with stagecraft status and stagecraft logs {{ $labels.project }} {{ $labels.service }}.`,
      proof: {
        firing: [{ metric: 'up', labels: target, value: 0 }],
        fires: [target],
        quiet: [{ metric: 'up', labels: target, value: 1 }],
        firesWhen: 'when a target does not answer',
        quietWhen: 'when it answers',
      },
    });
    if (discovered.length > 0) {
      const present = (d: DiscoveredService) => ({ job: d.job, project: d.project, service: d.service });
      rules.push({
        group: 'services',
        alert: ALERT.missing,
        // `absent` keeps the labels its selector pins, so each alert names its job, project and service.
        expr: discovered.map((d) => `absent(${selector('up', present(d))})`).join(' or '),
        for: down.for,
        severity: 'critical',
        summary: '{{ $labels.project }}/{{ $labels.service }} is down: no replica is running',
        description: `For ${down.for}, Prometheus has found no replica of {{ $labels.project }}/{{ $labels.service }} to scrape (job {{ $labels.job }}): none is running on the project's edge network. Check it with stagecraft status.`,
        proof: {
          // Nothing at all to scrape.
          firing: [],
          fires: discovered.map(present),
          quiet: discovered.map((d) => ({
            metric: 'up',
            labels: { ...present(d), instance: '172.30.0.2:8000' },
            value: 1,
          })),
          firesWhen: 'when no service has a target left',
          quietWhen: 'when every service has one',
        },
      });
    }
  }
  if (spec.projects.some((p) => p.services.some((s) => s.type === 'cron'))) {
    const job = { project: 'example', service: 'nightly' };
    rules.push({
      group: 'services',
      alert: ALERT.cron,
      expr: 'stagecraft_cron_last_run_success == 0',
      for: Duration.seconds(0),
      severity: 'warning',
      summary: '{{ $labels.project }}/{{ $labels.service }}: the last scheduled run failed',
      description:
        'The last run of the cron job {{ $labels.project }}/{{ $labels.service }} failed. Its output: stagecraft logs {{ $labels.project }} {{ $labels.service }}.',
      proof: {
        firing: [{ metric: 'stagecraft_cron_last_run_success', labels: job, value: 0 }],
        fires: [job],
        quiet: [{ metric: 'stagecraft_cron_last_run_success', labels: job, value: 1 }],
        firesWhen: 'when the last run failed',
        quietWhen: 'when it succeeded',
      },
    });
  }
  return rules;
}
