import { Duration, type Spec } from '../../spec/index.ts';
import { ALERT, type AlertRule } from './alert.ts';

/** How long a rollback by the deploy analysis stays news. */
const NEWS = Duration.hours(1);

/**
 * A release the deploy analysis rolled back (the control plane's
 * `stagecraft_deploy_rolled_back_timestamp_seconds`): it fires for an hour after. Only when some
 * project analyses its deploys.
 */
export function deployAlerts(spec: Spec): AlertRule[] {
  if (!spec.projects.some((p) => p.deploy.analysis)) return [];
  const metric = 'stagecraft_deploy_rolled_back_timestamp_seconds';
  const project = { project: 'example' };
  const news = NEWS.toSeconds();
  return [
    {
      group: 'apps',
      alert: ALERT.rolledBack,
      expr: `time() - ${metric} < ${news}`,
      for: Duration.seconds(0),
      severity: 'critical',
      summary: '{{ $labels.project }}: a release was rolled back by the deploy analysis',
      description:
        'A release of {{ $labels.project }} went over the error rate or p95 latency of projects.{{ $labels.project }}.deploy.analysis after its deploy, and was rolled back. Its figures: stagecraft status, or the deploy-analysis event.',
      proof: {
        // promtool's clock starts at 0 and runs on: the rollback is always a minute short of an hour old (firing), or a minute past it (quiet).
        firing: [{ metric, labels: project, value: -(news - 60), perSecond: 1 }],
        fires: [project],
        quiet: [{ metric, labels: project, value: -(news + 60), perSecond: 1 }],
        firesWhen: 'a minute short of an hour after a rollback',
        quietWhen: 'a minute past the hour',
      },
    },
  ];
}
