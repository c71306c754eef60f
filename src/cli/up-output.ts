import { answered, type RouteCheck } from '../ops/route-checks.ts';
import type { Style } from './style.ts';

/** What `up` prints when it ends, the same from the full path and the no-op fast path. */

export function checkLines(checks: readonly RouteCheck[], style: Style): string[] {
  return checks.map(
    (c) =>
      `${answered(c.status) ? style.green('✓') : style.red('✗')} ${c.route} → ${c.status || 'no answer'}`,
  );
}

export function convergedLine(seconds: string, changed: number, removed: number, style: Style): string {
  return `${style.green('✓')} converged in ${seconds} s: ${changed} containers changed, ${removed} removed`;
}
