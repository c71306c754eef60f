import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { EngineContainer } from '../../drivers/docker/container-create.ts';
import { removeContainer, runOnce, waitHealthy } from '../../drivers/docker/engine.ts';
import { LABEL, probeLabel, VERIFY_ROLE } from '../../model/index.ts';
import type { Project } from '../../spec/index.ts';
import type { BackupRecord } from '../../state/index.ts';
import { oneOff, type RunningEnvironment } from '../running-environment.ts';
import { type BackupManifest, envOf, parseScriptOutput, restoreJob, tail } from './dump.ts';

export interface Verification {
  backup: BackupRecord;
  verdict: 'pass' | 'fail';
  /** Why it failed, or what was compared. */
  detail: string;
  seconds: number;
}

/**
 * Proves a backup restores: a scratch PostgreSQL on a network of its own (no route anywhere), the
 * dump checked against its recorded checksum and restored there, the row counts compared with the
 * manifest. The verdict is recorded on the backup and as an event; the scratch is always removed.
 */
export async function verifyRestore(
  env: RunningEnvironment,
  project: Project,
  backup: BackupRecord,
  now = () => new Date(),
): Promise<Verification> {
  const started = Date.now();
  const suffix = randomBytes(3).toString('hex');
  const names = {
    network: `${project.name}-verify-${suffix}`,
    db: `${project.name}-${backup.service}-verify-${suffix}`,
    restore: `${project.name}-${backup.service}-verify-restore-${suffix}`,
  };
  const job = oneOff(env, project, `${backup.service}-backup`);
  const password = randomBytes(18).toString('base64url');
  const labels = { ...job.container.labels, [LABEL.role]: VERIFY_ROLE };
  let verdict: Verification['verdict'] = 'fail';
  let detail = '';
  const { docker } = env;
  try {
    await docker.createNetwork({ Name: names.network, Driver: 'bridge', Internal: true, Labels: labels });
    await startScratch(docker, job, names, labels, password);
    const restore = onScratchNetwork(
      restoreJob(env, job, backup, {
        PGHOST: names.db,
        POSTGRES_PASSWORD: password,
        RESTORE_FLAGS: '--jobs=2',
      }),
      names,
    );
    const run = await runOnce(docker, restore, 6 * 3600_000, 1_000_000);
    if (run.code !== 0) detail = `the restore failed (exit ${run.code}): ${tail(run.logs, 8)}`;
    else {
      detail = compareWithManifest(
        (backup.manifest as BackupManifest | null)?.tables ?? {},
        parseScriptOutput(run.logs).tables,
      );
      if (!detail) {
        verdict = 'pass';
        const tables = Object.keys((backup.manifest as BackupManifest).tables).length;
        detail = `restored; ${tables} tables match the manifest`;
      }
    }
  } catch (e) {
    detail = (e as Error).message;
  } finally {
    for (const name of [names.restore, names.db])
      await docker
        .getContainer(name)
        .remove({ force: true, v: true })
        .catch(() => {});
    await docker
      .getNetwork(names.network)
      .remove()
      .catch(() => {});
  }
  const at = now().toISOString();
  await env.store.updateBackup(backup.id, { verified: verdict, verifiedAt: at });
  await env.store.addEvent({
    project: project.name,
    kind: 'verify-restore',
    message: `${backup.id}: ${verdict}: ${detail}`,
    data: { id: backup.id, service: backup.service, ok: verdict === 'pass' },
    at,
  });
  return {
    backup: { ...backup, verified: verdict, verifiedAt: at },
    verdict,
    detail,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Empty when every table of the manifest came back with its row count (and nothing else did). */
export function compareWithManifest(expected: Record<string, number>, seen: Record<string, number>): string {
  const problems: string[] = [];
  for (const [table, rows] of Object.entries(expected)) {
    if (!(table in seen)) problems.push(`${table} is missing`);
    else if (seen[table] !== rows)
      problems.push(`${table} has ${seen[table]} rows, the manifest says ${rows}`);
  }
  for (const table of Object.keys(seen))
    if (!(table in expected)) problems.push(`${table} is not in the manifest`);
  return problems.join('; ');
}

/** The scratch server: the service's own image, a throwaway password, no durability (it is deleted anyway). */
export async function startScratch(
  docker: Docker,
  job: EngineContainer,
  names: { network: string; db: string },
  labels: Record<string, string>,
  password: string,
): Promise<void> {
  const user = envOf(job, 'PGUSER') ?? 'postgres';
  const database = envOf(job, 'PGDATABASE') ?? 'postgres';
  await removeContainer(docker, names.db);
  const container = await docker.createContainer({
    name: names.db,
    Image: job.options.Image,
    Env: [`POSTGRES_USER=${user}`, `POSTGRES_DB=${database}`, `POSTGRES_PASSWORD=${password}`],
    // The health gate asks the server itself (the probe); the engine's own check can be calm.
    Labels: { ...labels, [LABEL.probe]: probeLabel({ kind: 'postgres', port: 5432, user, database }) },
    Cmd: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    Healthcheck: {
      Test: ['CMD-SHELL', `pg_isready -q -h 127.0.0.1 -U ${user} -d ${database}`],
      Interval: 10_000_000_000,
      Timeout: 3_000_000_000,
      Retries: 3,
      StartPeriod: 180_000_000_000,
    },
    HostConfig: { NetworkMode: names.network, ShmSize: 256 * 1024 * 1024 },
  });
  await container.start();
  await waitHealthy(docker, names.db, 180_000);
}

/** The one-off on the scratch network only (its first project network comes as NetworkingConfig: dropped). */
function onScratchNetwork(
  job: EngineContainer,
  names: { restore: string; network: string },
): EngineContainer {
  const { NetworkingConfig: _, ...options } = job.options;
  return {
    ...job,
    name: names.restore,
    networks: [],
    options: {
      ...options,
      Labels: { ...job.container.labels, [LABEL.role]: VERIFY_ROLE },
      HostConfig: { ...options.HostConfig, NetworkMode: names.network },
    },
  };
}
