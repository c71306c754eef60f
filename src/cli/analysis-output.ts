import type { AnalysisOutcome } from '../ops/deploy-analysis/analyse.ts';
import { OperationFailed } from './errors.ts';
import type { Io } from './io.ts';

const pct = (f: number | null) => (f === null ? '-' : `${Math.round(f * 1000) / 10}%`);
const secs = (s: number | null) => (s === null ? '-' : `${Math.round(s * 1000) / 1000}s`);

/**
 * What each deploy analysis found, one line per project and one per app; throws (exit 1) when a
 * release was rolled back, so a rolled-back release is never reported as a success.
 */
export function reportAnalyses(outcomes: readonly AnalysisOutcome[], io: Io): void {
  for (const o of outcomes) {
    const a = o.analysis;
    const figures = a.apps.map(
      (f) => `${f.service}: ${f.requests} requests, ${pct(f.errorRate)} 5xx, p95 ${secs(f.latencyP95)}`,
    );
    if (a.verdict === 'verified')
      io.out(
        `${io.style.green('✓')} ${o.project}: release verified over ${a.thresholds.window} (${figures.join('; ')})`,
      );
    if (a.verdict === 'unverified')
      io.out(
        `${io.style.yellow('~')} ${o.project}: release unverified: ${a.note ?? `fewer than ${a.thresholds.minRequests} requests to any app in ${a.thresholds.window}, no verdict`}; it stays`,
      );
  }
  const rolledBack = outcomes.filter((o) => o.analysis.verdict === 'rolled-back');
  if (!rolledBack.length) return;
  throw new OperationFailed(
    rolledBack
      .map((o) => {
        const back = o.rolledBackTo
          ? `rolled back to release ${o.rolledBackTo}`
          : `the rollback failed, the release still serves: ${o.rollbackFailed}`;
        return `${o.project}: release ${o.release} went over the deploy analysis' thresholds (${o.analysis.breaches.join('; ')}); ${back}`;
      })
      .join('\n'),
  );
}
