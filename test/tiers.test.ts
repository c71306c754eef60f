import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/**
 * `npm test` runs every test file; `test:unit`, `test:integration` and `test:e2e` split the same
 * files by what they need. This keeps the split whole: a new test file lands in one tier.
 */
const root = join(import.meta.dirname, '..');
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<
  string,
  string
>;
const filesOf = (script: string) =>
  [...scripts[script]!.matchAll(/"([^"]+)"/g)].flatMap((m) => globSync(m[1]!, { cwd: root })).sort();

const TIERS = ['test:unit', 'test:integration', 'test:e2e'];

describe('test tiers', () => {
  it('every test file of npm test is in exactly one tier', () => {
    const all = filesOf('test');
    assert.ok(all.length > 40, `npm test finds only ${all.length} files`);
    const tiers = TIERS.flatMap(filesOf);
    assert.deepEqual(
      tiers.filter((f, i) => tiers.indexOf(f) !== i),
      [],
      'in two tiers',
    );
    assert.deepEqual([...tiers].sort(), all);
  });

  it('no unit test reaches for the engine, a server or the operations (run it with no socket: see README)', () => {
    for (const file of filesOf('test:unit')) {
      const source = readFileSync(join(root, file), 'utf8');
      assert.doesNotMatch(source, /from '(dockerode|pg|[./]+\/src\/(drivers|ops|state)\/[^']*)'/, file);
      assert.doesNotMatch(source, /\b(createServer|listen)\(/, file);
    }
  });
});
