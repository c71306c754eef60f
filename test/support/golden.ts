import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Artifact } from '../../src/render/index.ts';

/** The one golden tree: `<example>/<path of the rendered file>`, for every family. */
export const GOLDEN = join(import.meta.dirname, '..', 'render', 'golden');

const updating = () => process.env.UPDATE_GOLDEN === '1';

/** Paths of the files under `dir`, relative to it, sorted; none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * The artifacts equal their golden files under `dir`, and of the golden files there that `owns`
 * claims, none is left over from an older rendering. A missing golden file fails; UPDATE_GOLDEN=1
 * writes the artifacts and removes the leftovers instead.
 */
export function assertGolden(
  dir: string,
  artifacts: readonly Artifact[],
  owns: (path: string) => boolean = () => true,
): void {
  const rendered = artifacts.map((a) => a.path).sort();
  const leftovers = filesUnder(dir).filter((p) => owns(p) && !rendered.includes(p));
  if (updating()) {
    for (const a of artifacts) {
      mkdirSync(dirname(join(dir, a.path)), { recursive: true });
      writeFileSync(join(dir, a.path), a.content);
    }
    for (const p of leftovers) rmSync(join(dir, p));
    return;
  }
  for (const a of artifacts) {
    const path = join(dir, a.path);
    assert.ok(existsSync(path), `golden file ${path} is missing (UPDATE_GOLDEN=1 writes it)`);
    assert.equal(
      a.content,
      readFileSync(path, 'utf8'),
      `${a.path} differs from its golden file (UPDATE_GOLDEN=1 to accept)`,
    );
  }
  assert.deepEqual(leftovers, [], `golden files under ${dir} left over from an older rendering`);
}
