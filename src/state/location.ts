import { dirname, resolve } from 'node:path';

export type StateLocation = { path: string } | { databaseUrl: string };

/**
 * Where the state lives (spec.md): `STAGECRAFT_DATABASE_URL` (PostgreSQL) wins; then `--state PATH`,
 * then `STAGECRAFT_STATE`; by default `.stagecraft/state.db` beside the spec.
 */
export function resolveStateLocation(opts: {
  specPath: string;
  stateFlag?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}): StateLocation {
  const url = opts.env.STAGECRAFT_DATABASE_URL;
  if (url) return { databaseUrl: url };
  const chosen = opts.stateFlag ?? opts.env.STAGECRAFT_STATE;
  if (chosen) return { path: resolve(chosen) };
  return { path: resolve(dirname(resolve(opts.specPath)), '.stagecraft', 'state.db') };
}
