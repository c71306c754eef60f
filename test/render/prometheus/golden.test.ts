import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { renderPrometheus } from '../../../src/render/prometheus/index.ts';
import { assertGolden, exampleContext } from '../../support/render.ts';

const GOLDEN = join(import.meta.dirname, 'golden');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('Prometheus artifacts: golden files', () => {
  for (const name of ['demo', 'beryl3']) {
    it(`${name}: deterministic, and equal to the golden files (UPDATE_GOLDEN=1 rewrites them)`, () => {
      const artifacts = renderPrometheus(exampleContext(name));
      assert.deepEqual(
        renderPrometheus(exampleContext(name)),
        artifacts,
        'rendering twice gives the same files',
      );
      assertGolden(join(GOLDEN, name), artifacts);
      assert.deepEqual(
        filesUnder(join(GOLDEN, name)),
        artifacts.map((a) => a.path).sort(),
        'no golden file is left over from an older rendering',
      );
    });
  }
});
