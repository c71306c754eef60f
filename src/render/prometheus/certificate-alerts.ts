import { Duration, type Spec } from '../../spec/index.ts';
import { ALERT, type AlertRule } from './alert.ts';

/** Waits out a control plane restart, when its series are briefly missing. */
const SETTLE = Duration.minutes(10);

/**
 * A TLS certificate of the shared proxy (as the control plane reads it) that expires within the
 * spec's window: renewal has failed. Not with `tls: none`, which has no certificates.
 */
export function certificateAlerts(spec: Spec): AlertRule[] {
  const expiry = spec.shared.alerts.certExpiry;
  if (expiry === false || spec.shared.proxy.tls === 'none') return [];
  const within = expiry.within.toSeconds();
  const cert = { domain: 'example.test' };
  const metric = 'stagecraft_certificate_expiry_timestamp_seconds';
  return [
    {
      group: 'certificates',
      alert: ALERT.certificate,
      expr: `${metric} - time() < ${within}`,
      for: SETTLE,
      severity: 'warning',
      summary: `The certificate of {{ $labels.domain }} expires within ${expiry.within}`,
      description: `The certificate the proxy serves for {{ $labels.domain }} expires in less than ${expiry.within}: its renewal has not happened.`,
      proof: {
        // promtool's clock starts at 0 and runs on: at every moment, the expiry is a minute inside
        // the window (firing), or a minute outside it (quiet).
        firing: [{ metric, labels: cert, value: within - 60, perSecond: 1 }],
        fires: [cert],
        quiet: [{ metric, labels: cert, value: within + 60, perSecond: 1 }],
        firesWhen: `when it always expires a minute before ${expiry.within} is up`,
        quietWhen: `when it always expires a minute after ${expiry.within} is up`,
      },
    },
  ];
}
