import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Artifact } from '../render/index.ts';

const MANIFEST = '.stagecraft-rendered';

/**
 * Puts artifacts on disk under `dir`: each file written to a temporary name with its mode, then
 * renamed, so a reader never sees half a file. Files a previous render wrote that this one no
 * longer has (a removed project's) are deleted; files stagecraft did not write are never touched.
 */
export function writeArtifacts(
  dir: string,
  artifacts: readonly Artifact[],
): { written: number; removed: string[] } {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const manifestPath = join(root, MANIFEST);
  const previous = existsSync(manifestPath)
    ? readFileSync(manifestPath, 'utf8').split('\n').filter(Boolean)
    : [];
  const paths = new Set<string>();
  for (const a of artifacts) {
    const target = resolve(root, a.path);
    if (relative(root, target).startsWith('..'))
      throw new Error(`artifact path ${a.path} leaves the output folder`);
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.tmp-${process.pid}`;
    writeFileSync(temp, a.content, { mode: a.mode });
    chmodSync(temp, a.mode);
    renameSync(temp, target);
    paths.add(a.path);
  }
  const removed = previous.filter((p) => !paths.has(p) && !relative(root, resolve(root, p)).startsWith('..'));
  for (const p of removed) rmSync(resolve(root, p), { force: true });
  writeFileSync(manifestPath, `${[...paths].sort().join('\n')}\n`);
  return { written: paths.size, removed };
}
