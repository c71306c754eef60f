import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { Artifact } from '../render/index.ts';
import { OperationFailed } from './failure.ts';

const MANIFEST = '.stagecraft-rendered';

/** A symlink (or something that is not a folder where one must be) inside the output folder. */
export class UnsafeOutput extends OperationFailed {}

export interface Written {
  written: number;
  changed: string[];
  /** Files a previous render wrote, unchanged since, that this one no longer has: deleted. */
  removed: string[];
  /** Files the list names that were not deleted, and why (edited since, not ours, not a plain path). */
  kept: string[];
}

/**
 * Puts artifacts on disk under `dir`: each file written to a temporary name with its mode, then
 * renamed, so a reader never sees half a file; a file that already holds the same content is left
 * alone, and `changed` lists the others (what a running consumer must reread).
 *
 * Nothing outside `dir` is ever written or deleted: a symlink anywhere below `dir` is refused
 * before anything is written (a planted link would redirect a write), and of the files a previous
 * render listed (`.stagecraft-rendered`, path and content hash), only plain relative paths whose
 * content is still what was written are deleted; anything else the list names is kept and reported.
 */
export function writeArtifacts(dir: string, artifacts: readonly Artifact[]): Written {
  mkdirSync(dir, { recursive: true });
  // The folder itself may be a link the user made; what is below it may not.
  const root = realpathSync(dir);
  const manifestPath = join(root, MANIFEST);
  for (const a of artifacts) {
    if (!isPlainRelative(a.path)) throw new Error(`artifact path ${a.path} leaves the output folder`);
    refuseLinks(root, a.path);
  }
  refuseLinks(root, MANIFEST);
  const previous = readManifest(manifestPath);
  const hashes = new Map<string, string>();
  const changed: string[] = [];
  for (const a of artifacts) {
    const target = join(root, a.path);
    hashes.set(a.path, sha256(a.content));
    if (sameFile(target, a)) continue;
    changed.push(a.path);
    mkdirSync(dirname(target), { recursive: true });
    writeNew(`${target}.tmp-${process.pid}`, a.content, a.mode, target);
  }
  const removed: string[] = [];
  const kept: string[] = [];
  for (const [path, hash] of previous) {
    if (hashes.has(path)) continue;
    const why = whyKept(root, path, hash);
    if (why) kept.push(`${path} (${why})`);
    else {
      rmSync(join(root, path));
      removed.push(path);
    }
  }
  const list = [...hashes].sort(([a], [b]) => a.localeCompare(b)).map(([p, h]) => `${h}  ${p}\n`);
  writeNew(`${manifestPath}.tmp-${process.pid}`, list.join(''), 0o644, manifestPath);
  return { written: hashes.size, changed, removed, kept };
}

/** Why a listed file is not deleted; undefined when it is ours and unchanged. */
function whyKept(root: string, path: string, hash: string | undefined): string | undefined {
  if (!isPlainRelative(path)) return 'not a path inside the folder';
  if (!hash) return 'listed without a content hash';
  const target = join(root, path);
  try {
    refuseLinks(root, path);
    if (!lstatSync(target).isFile()) return 'not a plain file';
    return sha256(readFileSync(target)) === hash ? undefined : 'changed since it was written';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'already gone';
    if (e instanceof UnsafeOutput) return 'reached through a symlink';
    throw e;
  }
}

/** `hash  path` lines (older renders wrote the path alone). */
function readManifest(path: string): Map<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const entries = new Map<string, string | undefined>();
  for (const line of text.split('\n').filter(Boolean)) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (m?.[1] && m[2]) entries.set(m[2], m[1]);
    else entries.set(line, undefined);
  }
  return entries;
}

/** A relative path that stays inside its folder: no absolute path, no `..`, nothing to normalise away. */
function isPlainRelative(path: string): boolean {
  return (
    path.length > 0 &&
    !isAbsolute(path) &&
    normalize(path) === path &&
    !path.split(sep).some((part) => part === '..' || part === '.' || part === '')
  );
}

/** Refuses when a component of `path` below `root` that exists is a symlink (or a parent is not a folder). */
export function refuseLinks(root: string, path: string): void {
  const parts = path.split(sep);
  let at = root;
  for (const [i, part] of parts.entries()) {
    at = join(at, part);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    if (st.isSymbolicLink())
      throw new UnsafeOutput(
        `${at} is a symlink: nothing is written through a link inside the output folder; remove it and run again`,
      );
    if (i < parts.length - 1 && !st.isDirectory())
      throw new UnsafeOutput(`${at} is not a folder, but ${path} is to be written below it`);
  }
}

/** Writes a fresh file (never through a link, never into one that is there) and renames it onto `target`. */
function writeNew(temp: string, content: string | Uint8Array, mode: number, target: string): void {
  rmSync(temp, { force: true });
  const fd = openSync(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    writeFileSync(fd, content);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, mode);
  renameSync(temp, target);
}

/** Whether the file already holds exactly this content with this mode (then it is left alone). */
function sameFile(path: string, a: Artifact): boolean {
  try {
    const st = lstatSync(path);
    if (!st.isFile() || (st.mode & 0o777) !== a.mode) return false;
    const content = Buffer.from(a.content);
    return st.size === content.length && readFileSync(path).equals(content);
  } catch {
    return false;
  }
}

function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
