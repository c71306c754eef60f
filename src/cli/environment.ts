import type Docker from 'dockerode';
import { dockerFor } from '../drivers/docker/client.ts';
import { HostKeyRejected } from '../drivers/ssh/index.ts';
import type { RunningEnvironment } from '../ops/running-environment.ts';
import { rowsToRecorded } from '../plan/index.ts';
import type { LoadResult, Spec } from '../spec/index.ts';
import type { SecretStore, StateStore } from '../state/index.ts';
import { displayPath, type GlobalOptions, loadOrExit } from './context.ts';
import { InvalidInput, OperationFailed } from './errors.ts';
import type { Io } from './io.ts';
import { serverDirFor } from './locations.ts';
import { planFromState, reportDiagnostics } from './planning.ts';
import { openSecrets, openState } from './state.ts';

/** The engine named by `server.host`; exit 1 with the reason when it does not answer. */
export async function connect(host: string, io: Io, hint = ''): Promise<Docker> {
  const docker = dockerFor(host, io.env);
  await docker.ping().catch((e: Error) => {
    // A refused host key is not an engine that is down: its message says what to do.
    if (e instanceof HostKeyRejected) throw new OperationFailed(e.message);
    throw new OperationFailed(`no Docker engine answers at ${host}: ${e.message}${hint}`);
  });
  return docker;
}

export interface OpenedEnvironment extends RunningEnvironment {
  loaded: LoadResult & { spec: Spec };
  secrets: SecretStore;
  close(): Promise<void>;
}

/**
 * Everything a command that acts on the running server needs: the spec, its plan from the
 * recorded allocations, the engine, the stores and the server's layout folder.
 */
export async function openEnvironment(
  path: string,
  globals: GlobalOptions,
  io: Io,
): Promise<OpenedEnvironment> {
  const loaded = loadOrExit(path, io.errStyle, io.err);
  const docker = await connect(loaded.spec.server.host, io);
  const store: StateStore = await openState(path, globals, io.env);
  const secrets = await openSecrets(path, globals, io.env);
  try {
    const { plan, diagnostics } = await planFromState(loaded, {
      recorded: rowsToRecorded(await store.loadAllocations()),
      secretNames: await secrets.list(),
    });
    reportDiagnostics(diagnostics, io, displayPath(path));
    return {
      loaded,
      spec: loaded.spec,
      plan,
      docker,
      store,
      secrets,
      serverDir: serverDirFor(path, globals, io.env),
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

/** The project named on the command line, or exit 2 naming the ones there are. */
export function projectNamed(spec: Spec, name: string): Spec['projects'][number] {
  const p = spec.projects.find((x) => x.name === name);
  if (!p)
    throw new InvalidInput(
      `no project ${name} in the spec; the projects are ${spec.projects.map((x) => x.name).join(', ')}`,
    );
  return p;
}
