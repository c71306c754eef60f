import { dirname, join, resolve } from 'node:path';

export type StateLocation = { path: string } | { databaseUrl: string };
export type SecretLocation = { dir: string } | { databaseUrl: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/**
 * Where the state lives (spec.md, "State, secrets and rendered files"):
 * `STAGECRAFT_DATABASE_URL=postgres://…` wins; then `--state PATH`; then `STAGECRAFT_STATE`; by
 * default `.stagecraft/state.db` beside the spec file. Relative paths are taken from the working
 * directory. Empty values count as unset.
 */
export function resolveStateLocation(opts: {
  specPath: string;
  stateFlag?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}): StateLocation {
  const cwd = opts.cwd ?? process.cwd();
  const url = opts.env.STAGECRAFT_DATABASE_URL;
  if (url) {
    // The URL may hold a password: the message does not repeat it.
    if (!POSTGRES_URL.test(url))
      throw new Error('STAGECRAFT_DATABASE_URL must be a postgres:// or postgresql:// URL');
    return { databaseUrl: url };
  }
  const chosen = opts.stateFlag || opts.env.STAGECRAFT_STATE;
  if (chosen) return { path: resolve(cwd, chosen) };
  return { path: join(dirname(resolve(cwd, opts.specPath)), '.stagecraft', 'state.db') };
}
