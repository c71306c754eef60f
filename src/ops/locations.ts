import { dirname, join, resolve } from 'node:path';
import { resolveStateLocation, type StateLocation } from '../state/location.ts';

/** Where a spec's files are: its state, the secret files, the server's layout and the up record (no I/O). */

/** What a location depends on besides the spec path: the variables and the working directory it was asked from. */
export interface Surroundings {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Where the state lives for this spec and `--state` (spec.md: beside the spec, or moved). */
export function stateLocation(
  spec: string,
  options: { state?: string | undefined },
  around: Surroundings,
): StateLocation {
  return resolveStateLocation({ specPath: spec, stateFlag: options.state, env: around.env, cwd: around.cwd });
}

/** The folder of the state file (and the secret files beside it); `.stagecraft/` beside the spec with a database URL. */
function stateFolder(spec: string, location: StateLocation): string {
  return 'path' in location && location.path ? dirname(location.path) : resolve(dirname(spec), '.stagecraft');
}

/** Where `up` writes the server's layout: STAGECRAFT_SERVER_DIR, else `server/` beside the state. */
export function serverDirFor(
  spec: string,
  options: { state?: string | undefined },
  around: Surroundings,
): string {
  if (around.env.STAGECRAFT_SERVER_DIR) return resolve(around.cwd, around.env.STAGECRAFT_SERVER_DIR);
  return join(stateFolder(spec, stateLocation(spec, options, around)), 'server');
}

/** The file secret store's folder: `secrets/` beside the state. */
export function secretsDirFor(spec: string, location: StateLocation): string {
  return join(stateFolder(spec, location), 'secrets');
}

/** What the last converged `up` saw (the no-op fast path); none when the state is in PostgreSQL. */
export function upRecordPath(location: StateLocation): string | undefined {
  return 'path' in location && location.path ? join(dirname(location.path), 'up-record.json') : undefined;
}
