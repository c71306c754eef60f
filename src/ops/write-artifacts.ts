import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Artifact } from '../render/index.ts';

const MANIFEST = '.stagecraft-rendered';

/**
 * Puts artifacts on disk under `dir`: each file written to a temporary name with its mode, then
 * renamed, so a reader never sees half a file; a file that already holds the same content is left
 * alone, and `changed` lists the others (what a running consumer must reread). Files a previous render wrote that this one no
 * longer has (a removed project's) are deleted; files stagecraft did not write are never touched.
 */
export function writeArtifacts(
  dir: string,
  artifacts: readonly Artifact[],
): { written: number; changed: string[]; removed: string[] } {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const manifestPath = join(root, MANIFEST);
  const previous = existsSync(manifestPath)
    ? readFileSync(manifestPath, 'utf8').split('\n').filter(Boolean)
    : [];
  const paths = new Set<string>();
  const changed: string[] = [];
  for (const a of artifacts) {
    const target = resolve(root, a.path);
    if (relative(root, target).startsWith('..'))
      throw new Error(`artifact path ${a.path} leaves the output folder`);
    paths.add(a.path);
    if (sameFile(target, a)) continue;
    changed.push(a.path);
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.tmp-${process.pid}`;
    writeFileSync(temp, a.content, { mode: a.mode });
    chmodSync(temp, a.mode);
    renameSync(temp, target);
  }
  const removed = previous.filter((p) => !paths.has(p) && !relative(root, resolve(root, p)).startsWith('..'));
  for (const p of removed) rmSync(resolve(root, p), { force: true });
  writeFileSync(manifestPath, `${[...paths].sort().join('\n')}\n`);
  return { written: paths.size, changed, removed };
}

/** Whether the file already holds exactly this content with this mode (then it is left alone). */
function sameFile(path: string, a: Artifact): boolean {
  try {
    const st = statSync(path);
    if ((st.mode & 0o777) !== a.mode) return false;
    const content = Buffer.from(a.content);
    return st.size === content.length && readFileSync(path).equals(content);
  } catch {
    return false;
  }
}
