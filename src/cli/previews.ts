import { existsSync } from 'node:fs';
import { stateLocation } from '../ops/locations.ts';
import { type Env, type LoadResult, type Spec, withPreviews } from '../spec/index.ts';
import { openStore, type PreviewRecord } from '../state/index.ts';
import { loadOrExit } from './context.ts';
import type { Io } from './io.ts';
import type { GlobalOptions } from './locations.ts';

/** The recorded previews, without writing anything: a state file that does not exist yet holds none. */
export async function readPreviews(path: string, globals: GlobalOptions, io: Io): Promise<PreviewRecord[]> {
  const location = stateLocation(path, globals, io);
  if ('path' in location && location.path && !existsSync(location.path)) return [];
  const store = await openStore(location);
  try {
    return await store.listPreviews();
  } finally {
    await store.close();
  }
}

/**
 * The spec as plan, render, up and the day-2 commands see it: the file's projects and, after them,
 * each recorded preview as a project of its own (README, "Previews").
 */
export async function loadWithPreviews(
  path: string,
  io: Io,
  globals: GlobalOptions,
  env: Env = io.env,
): Promise<LoadResult & { spec: Spec }> {
  const loaded = loadOrExit(path, io, env);
  return { ...loaded, spec: withPreviews(loaded.spec, await readPreviews(path, globals, io)) };
}
