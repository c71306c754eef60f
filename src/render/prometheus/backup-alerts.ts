import { Duration, type Spec } from '../../spec/index.ts';
import { ALERT, type AlertRule } from './alert.ts';

/** Waits out a control plane restart, when its series are briefly missing. */
const SETTLE = Duration.minutes(10);

/**
 * A database whose last successful backup (as the control plane records it) is older than the
 * spec allows, or whose last backup run failed. Only when some database is backed up at all.
 */
export function backupAlerts(spec: Spec): AlertRule[] {
  const backedUp = spec.projects.some((p) => p.services.some((s) => s.type === 'postgres' && s.backup));
  if (!backedUp) return [];
  return [...tooOld(spec), failed()];
}

/** The last backup run of a database failed (a full disk, a database down): said at once, not a day later. */
function failed(): AlertRule {
  const db = { project: 'example', service: 'db' };
  const metric = 'stagecraft_backup_last_run_success';
  return {
    group: 'backups',
    alert: ALERT.backupFailed,
    expr: `${metric} == 0`,
    for: Duration.seconds(0),
    severity: 'critical',
    summary: '{{ $labels.project }}/{{ $labels.service }}: the last backup failed',
    description:
      'The last backup of {{ $labels.project }}/{{ $labels.service }} failed, and no file of it was kept. stagecraft backup {{ $labels.project }} takes one now and says why it fails.',
    proof: {
      firing: [{ metric, labels: db, value: 0 }],
      fires: [db],
      quiet: [{ metric, labels: db, value: 1 }],
      firesWhen: 'when the last run failed',
      quietWhen: 'when it succeeded',
    },
  };
}

function tooOld(spec: Spec): AlertRule[] {
  const age = spec.shared.alerts.backupAge;
  if (age === false) return [];
  const above = age.above.toSeconds();
  const db = { project: 'example', service: 'db' };
  const metric = 'stagecraft_backup_last_success_timestamp_seconds';
  return [
    {
      group: 'backups',
      alert: ALERT.backup,
      expr: `time() - ${metric} > ${above}`,
      for: SETTLE,
      severity: 'critical',
      summary: `{{ $labels.project }}/{{ $labels.service }}: no successful backup for ${age.above}`,
      description: `The last successful backup of {{ $labels.project }}/{{ $labels.service }} is more than ${age.above} old. See stagecraft backups {{ $labels.project }}, and take one with stagecraft backup {{ $labels.project }}.`,
      proof: {
        // promtool's clock starts at 0 and runs on: at every moment, the last success is a minute
        // too old (firing), or a minute short of too old (quiet).
        firing: [{ metric, labels: db, value: -(above + 60), perSecond: 1 }],
        fires: [db],
        quiet: [{ metric, labels: db, value: 60 - above, perSecond: 1 }],
        firesWhen: `when the last success is always a minute older than ${age.above}`,
        quietWhen: `when it is always a minute younger than ${age.above}`,
      },
    },
  ];
}
