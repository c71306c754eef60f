import { lstatSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { InvalidInput } from './errors.ts';

/** The spec a command reads, and how its path is shown (no I/O but `lstat`). */

export interface GlobalOptions {
  spec?: string;
  state?: string;
}

/** The spec path: the command's argument, then --spec, then ./staging.yaml, from the working directory. */
export function specPath(argument: string | undefined, options: GlobalOptions, cwd: string): string {
  const chosen = argument ?? options.spec ?? 'staging.yaml';
  const full = resolve(cwd, chosen);
  if (!isThere(full)) {
    throw new InvalidInput(
      `${chosen}: no such spec file${argument || options.spec ? '' : ' (stagecraft reads ./staging.yaml unless given a path)'}; try examples/demo/staging.yaml`,
    );
  }
  return full;
}

/** Anything at the path, even a link that loops or leads nowhere: the loader then says which it is (SC0105). */
function isThere(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
}

/** The path as the user should see it in `file:line:col` messages: relative to the working directory when under it. */
export function displayPath(path: string, cwd: string): string {
  const r = relative(cwd, path);
  return r.startsWith('..') ? path : r;
}
