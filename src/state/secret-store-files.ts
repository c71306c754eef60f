import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { checkGenerateOptions, generateValue } from './generate.ts';
import { checkProject, checkSecret, checkValue, isProjectName, isSecretName } from './secret-names.ts';
import { byRef, type SecretRef, type SecretStore, withoutValue } from './secret-store.ts';

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** Makes `path` a directory with mode 0700 (tightening one that exists); refuses anything else there. */
function privateDir(path: string, follow: boolean): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const st = follow ? statSync(path) : lstatSync(path);
  if (!st.isDirectory()) throw new Error(`the secret store's ${path} is not a directory`);
  if ((st.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
}

function syncDir(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function listDir(path: string) {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw e;
  }
}

/**
 * Secret values as files `<dir>/<project>/<NAME>`: directories mode 0700, files mode 0600. A file
 * is written whole to a temporary file (created 0600, never through an existing file or link),
 * synced, then renamed into place, so a reader sees the old value or the new one, never a part.
 */
export function openFileSecretStore(dir: string): SecretStore {
  const root = resolve(dir);

  /** Writes the value; with `onlyIfAbsent`, leaves an existing value alone and returns false. */
  function write(project: string, name: string, value: string, onlyIfAbsent: boolean): boolean {
    privateDir(root, true);
    const projectDir = join(root, project);
    privateDir(projectDir, false);
    const file = join(projectDir, name);
    // A leading dot and the suffix keep temporary files out of list(): they are not secret names.
    const temp = join(projectDir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      const fd = openSync(temp, 'wx', 0o600);
      try {
        fchmodSync(fd, 0o600);
        writeFileSync(fd, value);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (onlyIfAbsent) {
        // link() never replaces: of two processes racing, exactly one creates the file.
        try {
          linkSync(temp, file);
        } catch (e) {
          if (code(e) === 'EEXIST') return false;
          throw e;
        }
      } else {
        renameSync(temp, file);
      }
      syncDir(projectDir);
      return true;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  function read(project: string, name: string): string | undefined {
    let fd: number;
    try {
      fd = openSync(join(root, project, name), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      if (code(e) === 'ENOENT') return undefined;
      if (code(e) === 'ELOOP')
        throw new Error(`the secret ${project}/${name} is a symbolic link: not following it`);
      throw e;
    }
    try {
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }

  return {
    kind: 'files',

    async set(project, name, value) {
      checkSecret(project, name);
      checkValue(project, name, value);
      await withoutValue(value, () => write(project, name, value, false));
    },

    async get(project, name) {
      checkSecret(project, name);
      return read(project, name);
    },

    async has(project, name) {
      checkSecret(project, name);
      try {
        return lstatSync(join(root, project, name)).isFile();
      } catch (e) {
        if (code(e) === 'ENOENT') return false;
        throw e;
      }
    },

    async list(project) {
      if (project !== undefined) checkProject(project);
      const projects =
        project !== undefined
          ? [project]
          : listDir(root)
              .filter((d) => d.isDirectory() && isProjectName(d.name))
              .map((d) => d.name);
      const refs: SecretRef[] = [];
      for (const p of projects)
        for (const d of listDir(join(root, p)))
          if (d.isFile() && isSecretName(d.name)) refs.push({ project: p, name: d.name });
      return refs.sort(byRef);
    },

    async delete(project, name) {
      checkSecret(project, name);
      try {
        unlinkSync(join(root, project, name));
        return true;
      } catch (e) {
        if (code(e) === 'ENOENT') return false;
        throw e;
      }
    },

    async ensureGenerated(project, name, opts) {
      checkSecret(project, name);
      checkGenerateOptions(opts);
      const existing = read(project, name);
      if (existing !== undefined) return existing;
      const value = generateValue(opts);
      const created = await withoutValue(value, () => write(project, name, value, true));
      if (created) return value;
      const winner = read(project, name);
      if (winner === undefined)
        throw new Error(`the secret ${project}/${name} vanished while it was being made`);
      return winner;
    },

    async close() {},
  };
}
