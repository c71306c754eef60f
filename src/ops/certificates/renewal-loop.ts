import { type Repeating, repeatEvery } from '../repeat.ts';
import { type RenewOptions, renewCertificates } from './renew.ts';

/** How often `serve` looks at the installed certificates: reading them is cheap, ordering happens only when one is due. */
export const CHECK_EVERY_MS = 12 * 3600 * 1000;

/**
 * `serve`'s renewal: at start, then every 12 hours, each `tls: letsencrypt` certificate within 30
 * days of expiry (or still the stand-in) is renewed. A failure is logged and tried again at the next
 * check; the alert on the expiry metric speaks if it keeps failing.
 */
export function startCertificateRenewal(
  opts: Omit<RenewOptions, 'force' | 'now'>,
  everyMs = CHECK_EVERY_MS,
): Repeating {
  if (opts.spec.shared.proxy.tls !== 'letsencrypt') return { stop: async () => {} };
  return repeatEvery(
    () => renewCertificates(opts),
    everyMs,
    (e) => opts.log(`certificate renewal failed: ${e.message}`),
  );
}
