import { ALERT, SYMPTOMS } from '../prometheus/alert.ts';

const anyOf = (names: readonly string[]) => `alertname=~${JSON.stringify(names.join('|'))}`;

/**
 * While a service is down, its other alerts are noise: a service's `ServiceDown` or
 * `ServiceMissing` holds back its error-rate, latency and container alerts, and node-exporter
 * being down (the host's only witness) holds back the host alerts, which would be guesses.
 * Missed backups and failed cron runs are never held back: the control plane records those.
 */
export function inhibitRules() {
  return [
    {
      source_matchers: [anyOf([ALERT.down, ALERT.missing])],
      target_matchers: [anyOf(SYMPTOMS)],
      equal: ['project', 'service'],
    },
    {
      source_matchers: [`alertname=${JSON.stringify(ALERT.down)}`, 'job="node"'],
      target_matchers: [anyOf([ALERT.hostCpu, ALERT.hostMemory, ALERT.hostDisk])],
      equal: ['instance'],
    },
  ];
}
