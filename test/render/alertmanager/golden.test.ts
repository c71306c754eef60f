import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { renderAlertmanager } from '../../../src/render/alertmanager/index.ts';
import { assertGolden, exampleContext } from '../../support/render.ts';

const GOLDEN = join(import.meta.dirname, 'golden');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('Alertmanager config: golden files', () => {
  for (const name of ['demo', 'beryl3']) {
    it(`${name}: deterministic, and equal to the golden file (UPDATE_GOLDEN=1 rewrites it)`, () => {
      const artifacts = renderAlertmanager(exampleContext(name));
      assert.deepEqual(
        renderAlertmanager(exampleContext(name)),
        artifacts,
        'rendering twice gives the same file',
      );
      assertGolden(join(GOLDEN, name), artifacts);
      assert.deepEqual(filesUnder(join(GOLDEN, name)), artifacts.map((a) => a.path).sort());
    });
  }
});
