import { lstatSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { resolveStateLocation, type StateLocation } from '../state/location.ts';
import { InvalidInput } from './errors.ts';

/** Where a command's files are, from the spec path, the global options and the environment (no I/O but `lstat`). */

export interface GlobalOptions {
  spec?: string;
  state?: string;
}

/** The spec path: the command's argument, then --spec, then ./staging.yaml. */
export function specPath(argument: string | undefined, options: GlobalOptions, cwd = process.cwd()): string {
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

/** The path as the user should see it in `file:line:col` messages. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const r = relative(cwd, path);
  return r.startsWith('..') ? path : r;
}

/** Where the state lives for this spec and these options (spec.md: beside the spec, or moved). */
export function stateLocation(spec: string, options: GlobalOptions, env: NodeJS.ProcessEnv): StateLocation {
  return resolveStateLocation({ specPath: spec, stateFlag: options.state, env });
}

/** The folder of the state file (and the secret files beside it); `.stagecraft/` beside the spec with a database URL. */
function stateFolder(spec: string, location: StateLocation): string {
  return 'path' in location && location.path ? dirname(location.path) : resolve(dirname(spec), '.stagecraft');
}

/** Where `up` writes the server's layout: STAGECRAFT_SERVER_DIR, else `server/` beside the state. */
export function serverDirFor(spec: string, globals: GlobalOptions, env: NodeJS.ProcessEnv): string {
  if (env.STAGECRAFT_SERVER_DIR) return env.STAGECRAFT_SERVER_DIR;
  return join(stateFolder(spec, stateLocation(spec, globals, env)), 'server');
}

/** The file secret store's folder: `secrets/` beside the state. */
export function secretsDirFor(spec: string, location: StateLocation): string {
  return join(stateFolder(spec, location), 'secrets');
}

/** What the last converged `up` saw (the no-op fast path); none when the state is in PostgreSQL. */
export function upRecordPath(location: StateLocation): string | undefined {
  return 'path' in location && location.path ? join(dirname(location.path), 'up-record.json') : undefined;
}
