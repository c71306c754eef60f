import { Duration } from '../../spec/index.ts';
import { ALERT, type AlertRule } from './alert.ts';

/**
 * Longer than two of the control plane's looks at the engine (every 2 minutes): a container stopped
 * by hand for a moment, or seen mid-`up`, is not news; one left so is.
 */
const SETTLE = Duration.minutes(5);

/**
 * Containers that differ from the spec on the engine (`stagecraft_drift`, by project and kind:
 * changed, stopped, missing, unexpected, joined to another network): someone changed the server by
 * hand, and the next `up` will undo it.
 */
export function driftAlerts(): AlertRule[] {
  const metric = 'stagecraft_drift';
  const drifted = { project: 'example', kind: 'network' };
  return [
    {
      group: 'drift',
      alert: ALERT.drift,
      expr: `${metric} > 0`,
      for: SETTLE,
      severity: 'warning',
      summary: '{{ $labels.project }}: containers drifted from the spec ({{ $labels.kind }})',
      description:
        'On the engine, containers of {{ $labels.project }} differ from the spec ({{ $labels.kind }}): changed, stopped, started or joined to a network by hand. stagecraft plan names them; stagecraft up repairs them.',
      proof: {
        firing: [{ metric, labels: drifted, value: 1 }],
        fires: [drifted],
        quiet: [{ metric, labels: drifted, value: 0 }],
        firesWhen: 'when one container has drifted',
        quietWhen: 'when none has',
      },
    },
  ];
}
