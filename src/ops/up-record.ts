import {
  type Dirent,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { WantedContainer } from './converged.ts';
import type { RouteTarget } from './route-checks.ts';

/**
 * What the last converged `up` saw, kept so that the next `up` can tell it has nothing to do
 * without loading, planning and rendering the spec (which costs several times the 300 ms a no-op
 * may take). Every input of those steps is in it: the spec's text, the variables it reads, the
 * recorded allocations and Node's version in the key; stagecraft's own files, the secret files
 * and the layout's files by their `stat` (size, time, mode; a folder's time changes when a file
 * is added or removed). The containers and routes are still looked at for real.
 */
export interface UpRecord {
  version: typeof FORMAT;
  key: string;
  /** The variables the spec read, by name (their values go into the key only). */
  envNames: string[];
  /** stagecraft's sources and package files, and the secret files, with their folders. */
  inputFiles: FileStamp[];
  /** The layout's files, relative to the server folder. */
  layout: FileStamp[];
  environment: string;
  host: string;
  projects: string[];
  /** The spec's warnings, as printed (an `up` with errors records nothing). */
  warnings: string[];
  wanted: WantedContainer[];
  routes: RouteTarget[];
}

export interface UpInputs {
  specPath: string;
  specText: string;
  env: Readonly<Record<string, string | undefined>>;
  envNames: readonly string[];
  serverDir: string;
  /** The recorded allocations, as the store lists them. */
  allocations: unknown;
}

/** A file or folder as `stat` shows it: path, size, modification time, mode (-1 size: missing). */
export type FileStamp = [path: string, size: number, mtimeMs: number, mode: number];

const FORMAT = 2;
/** The folder of stagecraft's sources (`src/`), and the package files beside it. */
const SOURCES = join(import.meta.dirname, '..');
const PACKAGE_FILES = ['package.json', 'package-lock.json'].map((f) => join(SOURCES, '..', f));

export function inputsKey(inputs: UpInputs): string {
  const env = [...inputs.envNames].sort().map((n) => [n, inputs.env[n] ?? null]);
  // Not `import`: an ESM import of node:crypto evaluates its lazy Web Crypto getters too.
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha256')
    .update(
      JSON.stringify([FORMAT, process.version, inputs.specPath, inputs.serverDir, env, inputs.allocations]),
    )
    .update('\0')
    .update(inputs.specText)
    .digest('hex');
}

/** stagecraft's own files and the secret files, stamped (by the full `up`, which walks the folders). */
export function inputFiles(secretsDir: string): FileStamp[] {
  return [...stampTree(SOURCES), ...stampFiles('', PACKAGE_FILES), ...stampTree(secretsDir)];
}

/** `dir`, its folders and files (recursively), stamped with absolute paths. */
export function stampTree(dir: string): FileStamp[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return stampFiles('', [dir]);
  }
  const paths = entries
    .filter((e) => e.isFile() || e.isDirectory())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return stampFiles('', [dir, ...paths]);
}

export function stampFiles(root: string, paths: readonly string[]): FileStamp[] {
  return paths.map((p) => {
    try {
      const st = statSync(join(root, p));
      return [p, st.size, st.mtimeMs, st.mode];
    } catch {
      return [p, -1, 0, 0];
    }
  });
}

/** Whether every stamped file (relative to `root`) is still as it was. */
export function unchangedSince(root: string, stamps: readonly FileStamp[]): boolean {
  const now = stampFiles(
    root,
    stamps.map((f) => f[0]),
  );
  return now.every((f, i) => f.every((v, j) => v === stamps[i]![j]));
}

export function readUpRecord(path: string): UpRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as UpRecord;
    return record.version === FORMAT ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name and renamed, so a reader never sees half a record. */
export function writeUpRecord(path: string, record: Omit<UpRecord, 'version'>): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, JSON.stringify({ version: FORMAT, ...record }), { mode: 0o600 });
  renameSync(temp, path);
}
