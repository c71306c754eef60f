import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { planEnvironment } from '../../src/plan/index.ts';
import type { Artifact, RenderContext } from '../../src/render/index.ts';
import { formatDiagnostic, loadSpecFile } from '../../src/spec/index.ts';

export const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
export const EXAMPLE_NAMES = ['demo', 'beryl3', 'arch-host', 'gw2', 'robson-k8s'];

/** The render context of an example, planned with nothing recorded and nothing in use. */
export function exampleContext(name: string): RenderContext {
  const r = loadSpecFile(join(EXAMPLES, name, 'staging.yaml'), {});
  assert.ok(r.spec, r.diagnostics.map(formatDiagnostic).join('\n'));
  return { spec: r.spec, plan: planEnvironment(r.spec) };
}

export function writeToTemp(artifacts: readonly Artifact[], prefix = 'stagecraft-render-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const a of artifacts) {
    const path = join(dir, a.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, a.content, { mode: a.mode });
  }
  return dir;
}
