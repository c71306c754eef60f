import type Docker from 'dockerode';
import type { EngineContainer } from '../../drivers/docker/container-create.ts';
import { runOnce } from '../../drivers/docker/engine.ts';
import { containerName } from '../../model/index.ts';
import { RESTORE_SCRIPT } from '../../render/backup/scripts.ts';
import type { Project } from '../../spec/index.ts';
import type { BackupRecord } from '../../state/index.ts';
import { oneOff, type RunningEnvironment } from '../running-environment.ts';

/** What a dump contained when it was taken: every user table and its row count, in one snapshot. */
export interface BackupManifest {
  database: string;
  tables: Record<string, number>;
}

/** `<project>-<service>-<YYYYMMDDTHHMMSSZ>`: the backup's id and its files' stem. */
export function backupName(project: string, service: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${project}-${service}-${stamp}`;
}

/** The backup's files on the server. */
export function backupFiles(env: RunningEnvironment, record: Pick<BackupRecord, 'project' | 'id'>) {
  const dir = `${env.spec.server.backupDir}/${record.project}`;
  return {
    dir,
    dump: `${dir}/${record.id}.dump`,
    all: ['dump', 'dump.sha256', 'manifest'].map((ext) => `${dir}/${record.id}.${ext}`),
  };
}

/** The project's PostgreSQL services that have backups. */
export function backedUpServices(project: Project) {
  return project.services.filter(
    (s): s is Extract<typeof s, { type: 'postgres' }> => s.type === 'postgres' && !!s.backup,
  );
}

/**
 * Takes one backup of a PostgreSQL service: `pg_dump` in custom format inside a one-off on the
 * project's own network (the database port never leaves it), written atomically under
 * `server.backupDir/<project>/`, with its checksum and manifest; recorded in the store.
 */
export async function backupService(
  env: RunningEnvironment,
  project: Project,
  service: string,
  now = new Date(),
): Promise<BackupRecord> {
  await assertRunning(env.docker, containerName(project.name, service));
  const id = backupName(project.name, service, now);
  const job = oneOff(env, project, `${service}-backup`);
  const run = await runOnce(env.docker, withEnv(job, { BACKUP_NAME: id }), 6 * 3600_000, 1_000_000);
  if (run.code !== 0)
    throw new Error(`the backup of ${project.name}/${service} failed (exit ${run.code}):\n${tail(run.logs)}`);
  const out = parseScriptOutput(run.logs);
  if (out.bytes === undefined || !out.sha256)
    throw new Error(
      `the backup of ${project.name}/${service} printed no size or checksum:\n${tail(run.logs)}`,
    );
  const record: BackupRecord = {
    id,
    project: project.name,
    service,
    path: backupFiles(env, { project: project.name, id }).dump,
    bytes: out.bytes,
    sha256: out.sha256,
    createdAt: now.toISOString(),
    manifest: { database: envOf(job, 'PGDATABASE') ?? '', tables: out.tables } satisfies BackupManifest,
    verified: null,
    verifiedAt: null,
    remote: null,
  };
  await env.store.addBackup(record);
  await env.store.addEvent({
    project: project.name,
    kind: 'backup',
    message: `backed up ${service}: ${id} (${out.bytes} bytes, ${Object.keys(out.tables).length} tables)`,
    data: { id, service, bytes: out.bytes, ok: true },
    at: now.toISOString(),
  });
  return record;
}

/** Parses the `table`, `bytes` and `sha256` lines the backup scripts print. */
export function parseScriptOutput(logs: string): {
  tables: Record<string, number>;
  bytes?: number;
  sha256?: string;
} {
  const tables: Record<string, number> = {};
  let bytes: number | undefined;
  let sha256: string | undefined;
  for (const line of logs.split('\n')) {
    const [word, a, b] = line.trim().split(' ');
    if (word === 'table' && a && b !== undefined) tables[a] = Number(b);
    else if (word === 'bytes' && a) bytes = Number(a);
    else if (word === 'sha256' && a && /^[0-9a-f]{64}$/.test(a)) sha256 = a;
  }
  return { tables, ...(bytes === undefined ? {} : { bytes }), ...(sha256 ? { sha256 } : {}) };
}

/**
 * The backup one-off turned into a restore of `backup` (the restore script, the project's backup
 * folder read-only); `vars` say where to and how (`PGHOST`, `RESTORE_FLAGS`).
 */
export function restoreJob(
  env: RunningEnvironment,
  job: EngineContainer,
  backup: BackupRecord,
  vars: Record<string, string>,
): EngineContainer {
  const spec = withEnv(job, { BACKUP_NAME: backup.id, BACKUP_SHA256: backup.sha256, ...vars });
  spec.options.Cmd = ['sh', '-c', RESTORE_SCRIPT];
  spec.options.HostConfig = {
    ...spec.options.HostConfig,
    Binds: [`${backupFiles(env, backup).dir}:/backups:ro`],
  };
  return spec;
}

/** A copy of the one-off with extra (or replaced) environment variables. */
export function withEnv(
  job: EngineContainer,
  vars: Record<string, string>,
  name = job.name,
): EngineContainer {
  const keep = (job.options.Env ?? []).filter((e) => !(e.split('=')[0]! in vars));
  return {
    ...job,
    name,
    options: { ...job.options, Env: [...keep, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)] },
  };
}

export function envOf(job: EngineContainer, key: string): string | undefined {
  const line = (job.options.Env ?? []).find((e) => e.startsWith(`${key}=`));
  return line?.slice(key.length + 1);
}

export async function assertRunning(docker: Docker, name: string): Promise<void> {
  const info = await docker
    .getContainer(name)
    .inspect()
    .catch(() => undefined);
  if (!info?.State.Running)
    throw new Error(`${name} is not running; bring the project up first (stagecraft up --project …)`);
}

export const tail = (logs: string, lines = 15) => logs.trimEnd().split('\n').slice(-lines).join('\n');
