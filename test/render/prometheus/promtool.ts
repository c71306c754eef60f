import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { renderPrometheus } from '../../../src/render/prometheus/index.ts';
import { exampleContext, writeToTemp } from '../../support/render.ts';

/** The real promtool (Debian's `prometheus` package). */
export function promtool(
  args: string[],
  cwd?: string,
): { code: number | null; out: string; stdout: string; stderr: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout, stderr: r.stderr };
}

/** Syntax errors in a PromQL expression, as the Prometheus UI's own parser sees them. */
export function promqlErrors(expr: string): number {
  let errors = 0;
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors++;
    },
  });
  return errors;
}

/** An example's Prometheus artifacts on disk: the folder that holds `prometheus.yml`. */
export function renderedExample(name: string): string {
  return join(writeToTemp(renderPrometheus(exampleContext(name))), 'shared', 'prometheus');
}
