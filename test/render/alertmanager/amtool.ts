import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { planEnvironment } from '../../../src/plan/index.ts';
import type { Artifact, RenderContext } from '../../../src/render/index.ts';
import { loadSpecText } from '../../../src/spec/index.ts';
import { writeToTemp } from '../../support/render.ts';

/** The real amtool (Debian's `prometheus-alertmanager` package, 0.25). */
export function amtool(args: string[]): { code: number | null; out: string } {
  const r = spawnSync('amtool', args, { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** `amtool check-config` on the rendered file. The secret files it names need not exist for the check. */
export function checkConfig(artifacts: readonly Artifact[]): { code: number | null; out: string } {
  return amtool(['check-config', configPath(artifacts)]);
}

export function configPath(artifacts: readonly Artifact[]): string {
  return join(writeToTemp(artifacts), 'shared/alertmanager/alertmanager.yml');
}

/** The receivers an alert with these labels goes to, per `amtool config routes test`. */
export function routesTo(path: string, labels: Record<string, string>): string[] {
  const r = amtool([
    'config',
    'routes',
    'test',
    `--config.file=${path}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ]);
  assert.equal(r.code, 0, r.out);
  return r.out
    .split('\n')
    .filter((l) => l && !l.startsWith('Warning'))
    .flatMap((l) => l.split(','));
}

export function specContext(text: string): RenderContext {
  const r = loadSpecText('t.yaml', text, {});
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  return { spec: r.spec, plan: planEnvironment(r.spec) };
}
