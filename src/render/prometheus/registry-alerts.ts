import { Duration, type Spec } from '../../spec/index.ts';
import { ALERT, type AlertRule } from './alert.ts';

/** Waits out a control plane restart, when its series are briefly missing. */
const SETTLE = Duration.minutes(10);

export const VOLUME_SIZE_METRIC = 'stagecraft_volume_size_bytes';

/**
 * The registry mirror's cache volume (as the control plane measures it through the engine) larger
 * than `shared.registryMirror.alertAbove`: the cache keeps what it pulled for its TTL, so a busy
 * upstream fills the disk the databases share.
 */
export function registryAlerts(spec: Spec): AlertRule[] {
  const mirror = spec.shared.registryMirror;
  if (!mirror) return [];
  const above = mirror.alertAbove.toBytes();
  const labels = { project: 'shared', service: 'registry' };
  const series = (value: number) => [{ metric: VOLUME_SIZE_METRIC, labels, value }];
  return [
    {
      group: 'registry',
      alert: ALERT.registrySize,
      expr: `${VOLUME_SIZE_METRIC}{project="shared",service="registry"} > ${above}`,
      for: SETTLE,
      severity: 'warning',
      summary: `{{ $labels.project }}/{{ $labels.service }}: the registry mirror's cache is larger than ${mirror.alertAbove}`,
      description: `The registry mirror's volume holds more than ${mirror.alertAbove}. Cached blobs expire after 7 days; raise shared.registryMirror.alertAbove, or remove the volume shared-registry-data while the mirror is stopped (it fetches again on demand).`,
      proof: {
        firing: series(above + 1024 * 1024),
        fires: [labels],
        quiet: series(above - 1024 * 1024),
        firesWhen: `at 1MiB over ${mirror.alertAbove}`,
        quietWhen: `at 1MiB under ${mirror.alertAbove}`,
      },
    },
  ];
}
