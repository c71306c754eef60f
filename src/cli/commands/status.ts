import type { Command } from 'commander';
import type Docker from 'dockerode';
import type { Drift } from '../../ops/drift.ts';
import { connectEngine } from '../../ops/engine-connection.ts';
import { serverDirFor } from '../../ops/locations.ts';
import { type ContainerStatus, environmentStatus } from '../../ops/status.ts';
import { rowsToRecorded } from '../../plan/index.ts';
import type { LoadResult, Spec } from '../../spec/index.ts';
import { driftIfUp, driftLines } from '../drift.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { planFromState } from '../planning.ts';
import { loadWithPreviews } from '../previews.ts';
import { openSecrets, openState } from '../state.ts';
import { table } from '../style.ts';

export function registerStatus(program: Command, io: Io): void {
  program
    .command('status')
    .description('every service: state, health, image, ports, routes')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals, io.cwd);
      const loaded = await loadWithPreviews(path, io, globals);
      const spec = loaded.spec;
      const docker = await connectEngine(spec.server.host, io.env);
      const store = await openState(path, globals, io);
      const rows = await environmentStatus(docker, spec, store).finally(() => store.close());
      const drift = await statusDrift(path, globals, loaded, docker, io);
      // JSON: each container with its drift, and a row (state `missing`) for each one the spec wants
      // that is not on the engine.
      if (options.json) return io.out(JSON.stringify(withDrift(rows, drift ?? []), null, 2));
      io.out(
        table([
          ['PROJECT', 'CONTAINER', 'STATE', 'HEALTH', 'IMAGE', 'DIGEST', 'PORTS', 'ROUTES', 'LAST BACKUP'],
          ...rows.map((r) => [
            r.project,
            r.replica,
            r.state,
            r.answers ? 'starting, answers' : (r.health ?? '-'),
            r.image,
            // Enough of it to tell two apart: `sha256:` and 12 hex digits, as `docker images` shows IDs.
            r.digest.slice(r.digest.indexOf('sha256:'), r.digest.indexOf('sha256:') + 19),
            r.ports.join(' '),
            r.routes.join(' '),
            r.lastBackup
              ? `${r.lastBackup.at.slice(0, 16).replace('T', ' ')} ${r.lastBackup.verified ?? 'unverified'}`
              : '',
          ]),
        ]),
      );
      const failed = new Map(
        rows.flatMap((r) =>
          r.lastRelease?.status === 'failed' ? [[r.project, r.lastRelease] as const] : [],
        ),
      );
      for (const [project, release] of failed)
        io.out(
          `${project}: the last release failed (${release.at.slice(0, 16).replace('T', ' ')}): ${release.reason ?? 'no reason recorded'}`,
        );
      if (drift) io.out(['', ...driftLines(drift, io.style)].join('\n'));
    });
}

type StatusRow =
  | ContainerStatus
  | (Pick<ContainerStatus, 'project' | 'service' | 'replica'> & { state: 'missing' });

function withDrift(
  rows: readonly ContainerStatus[],
  drift: readonly Drift[],
): (StatusRow & { drift: Drift[] })[] {
  const of = (name: string) => drift.filter((d) => d.container === name);
  const missing = drift
    .filter((d) => d.kind === 'missing')
    .map(
      (d): StatusRow => ({ project: d.project, service: d.service, replica: d.container, state: 'missing' }),
    );
  return [...rows, ...missing]
    .map((r) => ({ ...r, drift: of(r.replica) }))
    .sort((a, b) => a.project.localeCompare(b.project) || a.replica.localeCompare(b.replica));
}

/** The drift `status` shows beside the containers: best effort, it never fails the command. */
async function statusDrift(
  path: string,
  globals: GlobalOptions,
  loaded: LoadResult & { spec: Spec },
  docker: Docker,
  io: Io,
): Promise<Drift[] | undefined> {
  try {
    const store = await openState(path, globals, io);
    const secrets = await openSecrets(path, globals, io);
    try {
      const { plan } = await planFromState(loaded, {
        recorded: rowsToRecorded(await store.loadAllocations()),
        secretNames: await secrets.list(),
        probeHost: false,
      });
      const serverDir = serverDirFor(path, globals, io);
      return await driftIfUp({ spec: loaded.spec, plan, serverDir, env: io.env, docker });
    } finally {
      await secrets.close();
      await store.close();
    }
  } catch {
    return undefined;
  }
}
