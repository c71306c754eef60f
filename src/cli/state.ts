import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Surroundings, secretsDirFor, serverDirFor, stateLocation } from '../ops/locations.ts';
import { allocationsInPlanFile, recordedAllocations } from '../ops/recovered-allocations.ts';
import { type RecordedAllocations, rowsToRecorded } from '../plan/index.ts';
import { openSecretStore, openStore, type SecretStore, type StateStore } from '../state/index.ts';
import type { GlobalOptions } from './locations.ts';

export async function openState(
  spec: string,
  options: GlobalOptions,
  around: Surroundings,
): Promise<StateStore> {
  return openStore(stateLocation(spec, options, around));
}

/** Recorded allocations without writing anything: a state file that does not exist yet means none. */
export async function readRecorded(
  spec: string,
  options: GlobalOptions,
  around: Surroundings,
): Promise<RecordedAllocations> {
  const location = stateLocation(spec, options, around);
  if ('path' in location && location.path && !existsSync(location.path))
    return rowsToRecorded(allocationsInPlanFile(join(serverDirFor(spec, options, around), 'plan.json')));
  const store = await openStore(location);
  try {
    return rowsToRecorded((await recordedAllocations(store, serverDirFor(spec, options, around))).rows);
  } finally {
    await store.close();
  }
}

/** The secret store: files under `.stagecraft/secrets` beside the state, or the PostgreSQL store. */
export async function openSecrets(
  spec: string,
  options: GlobalOptions,
  around: Surroundings,
): Promise<SecretStore> {
  const location = stateLocation(spec, options, around);
  if ('databaseUrl' in location && location.databaseUrl)
    return openSecretStore({ databaseUrl: location.databaseUrl });
  return openSecretStore({ dir: secretsDirFor(spec, location) });
}
