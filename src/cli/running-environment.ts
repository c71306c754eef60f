import { connectEngine } from '../ops/engine-connection.ts';
import { serverDirFor } from '../ops/locations.ts';
import { recordedAllocations } from '../ops/recovered-allocations.ts';
import type { RunningEnvironment } from '../ops/running-environment.ts';
import { rowsToRecorded } from '../plan/index.ts';
import type { LoadResult, Spec } from '../spec/index.ts';
import type { SecretStore, StateStore } from '../state/index.ts';
import type { Io } from './io.ts';
import { displayPath, type GlobalOptions } from './locations.ts';
import { planFromState, reportDiagnostics } from './planning.ts';
import { loadWithPreviews } from './previews.ts';
import { openSecrets, openState } from './state.ts';

/** A running environment (ops' view of the converged server) as a command opened it, with its stores to close. */
export interface OpenedEnvironment extends RunningEnvironment {
  loaded: LoadResult & { spec: Spec };
  secrets: SecretStore;
  close(): Promise<void>;
}

/**
 * Everything a command that acts on the running server needs: the spec, its plan from the
 * recorded allocations, the engine, the stores and the server's layout folder.
 */
export async function openRunningEnvironment(
  path: string,
  globals: GlobalOptions,
  io: Io,
): Promise<OpenedEnvironment> {
  const loaded = await loadWithPreviews(path, io, globals);
  const docker = await connectEngine(loaded.spec.server.host, io.env);
  const store: StateStore = await openState(path, globals, io);
  const secrets = await openSecrets(path, globals, io);
  try {
    const { plan, diagnostics } = await planFromState(loaded, {
      recorded: rowsToRecorded((await recordedAllocations(store, serverDirFor(path, globals, io))).rows),
      secretNames: await secrets.list(),
    });
    reportDiagnostics(diagnostics, io, displayPath(path, io.cwd));
    return {
      loaded,
      spec: loaded.spec,
      plan,
      docker,
      store,
      secrets,
      serverDir: serverDirFor(path, globals, io),
      async close() {
        await secrets.close();
        await store.close();
      },
    };
  } catch (e) {
    await secrets.close();
    await store.close();
    throw e;
  }
}
