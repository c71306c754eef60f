import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
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

/**
 * Compares artifacts with the golden files under `goldenDir`; with UPDATE_GOLDEN=1 rewrites them.
 * Golden files catch unintended changes to rendered output.
 */
export function assertGolden(goldenDir: string, artifacts: readonly Artifact[]): void {
  for (const a of artifacts) {
    const path = join(goldenDir, a.path);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
      if (process.env.UPDATE_GOLDEN !== '1' && process.env.CI)
        assert.fail(`golden file ${path} is missing (run with UPDATE_GOLDEN=1)`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, a.content);
      continue;
    }
    assert.equal(
      a.content,
      readFileSync(path, 'utf8'),
      `${a.path} differs from its golden file (UPDATE_GOLDEN=1 to accept)`,
    );
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * A renderer's output for an example: the same twice, equal to its golden files, and no golden
 * file left over from an older rendering.
 */
export function assertGoldenRender(
  goldenDir: string,
  name: string,
  render: (ctx: RenderContext) => Artifact[],
): void {
  const artifacts = render(exampleContext(name));
  assert.deepEqual(render(exampleContext(name)), artifacts, 'rendering twice gives the same files');
  assertGolden(join(goldenDir, name), artifacts);
  assert.deepEqual(
    filesUnder(join(goldenDir, name)),
    artifacts.map((a) => a.path).sort(),
    'no golden file is left over from an older rendering',
  );
}
