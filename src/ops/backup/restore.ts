import { ownedContainers, runOnce, waitHealthy } from '../../drivers/docker/engine.ts';
import { LABEL } from '../../model/index.ts';
import type { Project } from '../../spec/index.ts';
import type { BackupRecord } from '../../state/index.ts';
import { withEngineLock } from '../engine-lock.ts';
import { oneOff, type RunningEnvironment } from '../running-environment.ts';
import { backupService, parseScriptOutput, restoreJob, tail } from './dump.ts';
import { compareWithManifest } from './verify.ts';

export interface RestoreResult {
  restored: BackupRecord;
  /** The backup taken just before, of the state the restore replaced. */
  safety: BackupRecord;
  /** The containers stopped during the restore and started again. */
  writers: string[];
  /** Differences from the manifest after the restore (empty when none). */
  mismatch: string;
}

/** The project's containers that write to its databases: apps, workers and running cron jobs. */
const WRITERS = new Set(['app', 'worker', 'cron']);

/**
 * Puts a backup back into the project's live database: the writers stop, a safety backup of the
 * current data is taken first, the dump is restored in a single transaction (a failure leaves the
 * database as it was), and the writers start again whatever happened.
 */
export async function restoreBackup(
  env: RunningEnvironment,
  project: Project,
  backup: BackupRecord,
  log: (line: string) => void = () => {},
): Promise<RestoreResult> {
  return withEngineLock(env.docker, { command: `restore ${project.name}`, log }, async () => {
    const r = await restoreLocked(env, project, backup, log, true);
    return { ...r, safety: r.safety! };
  });
}

/**
 * Fills a database that holds nothing worth keeping (a new preview's) from a backup, possibly
 * another project's: as `restoreBackup`, without the safety backup. The caller holds the engine lock.
 */
export function restoreIntoFresh(
  env: RunningEnvironment,
  project: Project,
  backup: BackupRecord,
  log: (line: string) => void = () => {},
): Promise<Omit<RestoreResult, 'safety'>> {
  return restoreLocked(env, project, backup, log, false);
}

async function restoreLocked(
  env: RunningEnvironment,
  project: Project,
  backup: BackupRecord,
  log: (line: string) => void,
  takeSafety: boolean,
): Promise<Omit<RestoreResult, 'safety'> & { safety: BackupRecord | undefined }> {
  const { docker } = env;
  const writers = (await ownedContainers(docker, env.spec.environment, project.name)).filter(
    (c) => c.state === 'running' && WRITERS.has(c.labels[LABEL.type] ?? ''),
  );
  log(`stopping ${writers.map((w) => w.name).join(', ') || 'no writers'}`);
  await Promise.all(writers.map((w) => docker.getContainer(w.id).stop({ t: 30 })));
  try {
    if (takeSafety) log(`safety backup of ${backup.service}`);
    const safety = takeSafety ? await backupService(env, project, backup.service) : undefined;
    const kept = safety ? ` (safety backup ${safety.id})` : '';
    log(`restoring ${backup.id}`);
    const job = restoreJob(env, oneOff(env, project, `${backup.service}-backup`), backup, {
      RESTORE_FLAGS: '--clean --if-exists --single-transaction',
    });
    const run = await runOnce(docker, job, 6 * 3600_000, 1_000_000);
    if (run.code !== 0)
      throw new Error(
        `the restore of ${backup.id} failed (exit ${run.code}); the database is as it was${kept}:\n${tail(run.logs)}`,
      );
    const mismatch = compareWithManifest(
      (backup.manifest as { tables?: Record<string, number> } | null)?.tables ?? {},
      parseScriptOutput(run.logs).tables,
    );
    await env.store.addEvent({
      project: project.name,
      kind: 'restore',
      message: `restored ${backup.id} into ${backup.service}${kept}${mismatch ? `; differs from its manifest: ${mismatch}` : ''}`,
      data: { id: backup.id, safety: safety?.id ?? null, service: backup.service, ok: true },
    });
    return { restored: backup, safety, writers: writers.map((w) => w.name), mismatch };
  } finally {
    log(`starting ${writers.map((w) => w.name).join(', ') || 'no writers'}`);
    await Promise.all(
      writers.map(async (w) => {
        await docker.getContainer(w.id).start();
        await waitHealthy(docker, w.id);
      }),
    );
  }
}
