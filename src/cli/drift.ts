import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import { type Drift, environmentDrift } from '../ops/drift.ts';
import { connectEngine } from '../ops/engine-connection.ts';
import type { Plan } from '../plan/index.ts';
import type { Spec } from '../spec/index.ts';
import type { Style } from './style.ts';

/**
 * The environment's drift, once an `up` has written the server's layout (before that, everything
 * would be "missing") and when the engine answers; undefined otherwise, and then not shown.
 */
export async function driftIfUp(opts: {
  spec: Spec;
  plan: Plan;
  serverDir: string;
  env: Readonly<Record<string, string | undefined>>;
  docker?: Docker;
}): Promise<Drift[] | undefined> {
  if (!existsSync(opts.serverDir)) return undefined;
  const docker = opts.docker ?? (await connectEngine(opts.spec.server.host, opts.env).catch(() => undefined));
  if (!docker) return undefined;
  return environmentDrift({ docker, spec: opts.spec, plan: opts.plan, serverDir: opts.serverDir });
}

/** `Drift from the spec on the engine (up repairs it)` and a line a difference, or `none`. */
export function driftLines(drift: readonly Drift[], s: Style): string[] {
  const lines = [s.bold('Drift from the spec on the engine')];
  if (!drift.length) return [...lines, '  none'];
  for (const d of drift) lines.push(s.yellow(`  ~ ${d.container} (${d.project}): ${d.kind}, ${d.detail}`));
  lines.push(s.dim('  stagecraft up repairs it'));
  return lines;
}
