import type { AnalysisVerdict, AppFigures } from '../../state/index.ts';
import type { AnalysisSettings } from './settings.ts';

/** One look at the proxy's counters of a project, per app: requests by status, and the latency histogram's buckets. */
export interface AppCounters {
  byStatus: Map<string, number>;
  /** Upper bound (seconds, `Infinity` for +Inf) → cumulative count. */
  buckets: Map<number, number>;
}
export type Snapshot = Map<string, AppCounters>;

/** A counter's growth between two looks; a counter that went down was restarted, so it grew by what it holds now. */
const grown = (before: number | undefined, now: number) =>
  before === undefined || now < before ? now : now - before;

function delta<K>(before: Map<K, number> | undefined, now: Map<K, number>): Map<K, number> {
  return new Map([...now].map(([k, v]) => [k, grown(before?.get(k), v)]));
}

/**
 * The φ-quantile of a histogram's cumulative buckets, interpolated within its bucket as
 * Prometheus' `histogram_quantile` does (the +Inf bucket answers with the highest finite bound).
 */
export function quantile(phi: number, buckets: Map<number, number>): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (!total) return null;
  const rank = phi * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lower;
      const within = count - below;
      return within > 0 ? lower + ((le - lower) * (rank - below)) / within : le;
    }
    lower = le;
    below = count;
  }
  return lower;
}

/** Each app's figures between two snapshots (apps of `services` only; an app with no traffic has zeros). */
export function figuresBetween(before: Snapshot, now: Snapshot, services: readonly string[]): AppFigures[] {
  return services.map((service) => {
    const current = now.get(service);
    const base = before.get(service);
    const statuses = current ? delta(base?.byStatus, current.byStatus) : new Map<string, number>();
    const requests = [...statuses.values()].reduce((n, v) => n + v, 0);
    const errors = [...statuses].filter(([s]) => s.startsWith('5')).reduce((n, [, v]) => n + v, 0);
    const buckets = current ? delta(base?.buckets, current.buckets) : new Map<number, number>();
    return {
      service,
      requests,
      errors,
      errorRate: requests ? errors / requests : null,
      latencyP95: requests ? quantile(0.95, buckets) : null,
    };
  });
}

const pct = (fraction: number) => `${Math.round(fraction * 1000) / 10}%`;
const secs = (seconds: number) => `${Math.round(seconds * 1000) / 1000}s`;

/** What goes over a threshold, for each app with enough requests to be judged. */
export function breaches(apps: readonly AppFigures[], s: AnalysisSettings): string[] {
  return apps
    .filter((a) => a.requests >= s.minRequests)
    .flatMap((a) => [
      ...(a.errorRate !== null && a.errorRate > s.errorRate
        ? [`${a.service}: ${pct(a.errorRate)} of ${a.requests} requests failed (above ${pct(s.errorRate)})`]
        : []),
      ...(a.latencyP95 !== null && a.latencyP95 > s.latencyP95
        ? [`${a.service}: p95 latency ${secs(a.latencyP95)} (above ${secs(s.latencyP95)})`]
        : []),
    ]);
}

/** The verdict once the window is over: judged when some app had `minRequests`, else none. */
export function verdictAtEnd(apps: readonly AppFigures[], s: AnalysisSettings): AnalysisVerdict {
  if (breaches(apps, s).length) return 'rolled-back';
  return apps.some((a) => a.requests >= s.minRequests) ? 'verified' : 'unverified';
}
