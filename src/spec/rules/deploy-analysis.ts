import { type Diagnostic, diagnostic } from '../diagnostic.ts';
import type { Spec } from '../model.ts';
import { Duration } from '../units.ts';

/** `deploy.analysis` needs Prometheus, a threshold that can go either way, and a window with samples in it. */
export function checkDeployAnalysis(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const prometheus = spec.shared.monitoring.prometheus;
  for (const p of spec.projects) {
    const a = p.deploy.analysis;
    if (!a) continue;
    const at = ['projects', p.name, 'deploy', 'analysis'];
    if (prometheus === false) {
      out.push(diagnostic('SC0712', at, { project: p.name }));
      continue;
    }
    const rate = a.errorRate?.value;
    if (rate === 0 || rate === 100)
      out.push(
        diagnostic('SC0713', [...at, 'errorRate'], {
          rate: `${rate}%`,
          problem: rate === 0 ? 'rolls back on the first failed request' : 'can never be passed',
        }),
      );
    const interval = prometheus.scrapeInterval;
    if (a.window.toMilliseconds() < 2 * interval.toMilliseconds())
      out.push(
        diagnostic('SC0714', [...at, 'window'], {
          window: String(a.window),
          interval: String(interval),
          least: String(Duration.milliseconds(2 * interval.toMilliseconds())),
        }),
      );
  }
  return out;
}
