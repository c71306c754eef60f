import { runOnce } from '../../drivers/docker/engine.ts';
import type { Project } from '../../spec/index.ts';
import type { BackupRecord } from '../../state/index.ts';
import { oneOff, type RunningEnvironment } from '../running-environment.ts';
import { backedUpServices, tail, withEnv } from './dump.ts';
import { backupsToPrune } from './retention.ts';

/**
 * Applies each service's `backup.keep` to its local backups: the files go (through a one-off that
 * mounts the backup folder, so this works on a remote engine too), then the record.
 * `protect` holds backups in use (a restore reading one).
 */
export async function pruneBackups(
  env: RunningEnvironment,
  project: Project,
  protect: ReadonlySet<string> = new Set(),
): Promise<BackupRecord[]> {
  const all = await env.store.listBackups(project.name);
  const removed: BackupRecord[] = [];
  for (const s of backedUpServices(project)) {
    if (!s.backup) continue;
    const mine = all.filter((b) => b.service === s.name);
    const doomed = new Set(backupsToPrune(mine, s.backup.keep, { protect: new Set(protect) }));
    const victims = mine.filter((b) => doomed.has(b.id));
    if (!victims.length) continue;
    const files = victims.flatMap((b) =>
      ['dump', 'dump.sha256', 'manifest'].map((x) => `/backups/${b.id}.${x}`),
    );
    const job = withEnv(oneOff(env, project, `${s.name}-backup`), {}, `${project.name}-${s.name}-prune`);
    job.options.Cmd = ['rm', '-f', ...files];
    job.options.HostConfig = { ...job.options.HostConfig };
    const run = await runOnce(env.docker, job);
    if (run.code !== 0) throw new Error(`pruning ${project.name}/${s.name} failed: ${tail(run.logs)}`);
    for (const b of victims) {
      await env.store.deleteBackup(b.id);
      removed.push(b);
    }
    await env.store.addEvent({
      project: project.name,
      kind: 'prune',
      message: `pruned ${victims.length} backups of ${s.name} (keep ${JSON.stringify(s.backup.keep)})`,
      data: { ids: victims.map((b) => b.id) },
    });
  }
  return removed;
}
