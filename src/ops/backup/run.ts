import { S3Client, s3ConfigFromRemote } from '../../drivers/s3/index.ts';
import type { Project } from '../../spec/index.ts';
import type { BackupRecord, SecretStore } from '../../state/index.ts';
import type { RunningEnvironment } from '../running-environment.ts';
import { backedUpServices, backupService } from './dump.ts';
import { pruneBackups } from './prune.ts';
import { pruneRemote, remoteKey, uploadBackup } from './remote.ts';

export interface ProjectBackupResult {
  taken: BackupRecord[];
  pruned: BackupRecord[];
  /** Remote keys uploaded and deleted by the remote's retention. */
  remote: { uploaded: string[]; pruned: string[] };
  failures: { service: string; reason: string }[];
}

/**
 * One scheduled or requested backup of a project: each PostgreSQL service dumped, its copy
 * uploaded where `backup.remote` says (checked after upload), then local and remote retention.
 * A service that fails is recorded as a failed event and the others still run.
 */
export async function backupProject(
  env: RunningEnvironment & { secrets: SecretStore },
  project: Project,
  options: { service?: string; now?: Date; log?: (line: string) => void } = {},
): Promise<ProjectBackupResult> {
  const log = options.log ?? (() => {});
  const result: ProjectBackupResult = {
    taken: [],
    pruned: [],
    remote: { uploaded: [], pruned: [] },
    failures: [],
  };
  for (const s of backedUpServices(project)) {
    if (options.service && s.name !== options.service) continue;
    try {
      const record = await backupService(env, project, s.name, options.now);
      result.taken.push(record);
      log(`${record.id}: ${record.bytes} bytes`);
      const remote = s.backup ? s.backup.remote : undefined;
      if (remote) {
        if (env.spec.server.host !== 'local')
          throw new Error(
            'remote copies are uploaded from the server’s backup folder: run stagecraft on the server',
          );
        const client = new S3Client(
          s3ConfigFromRemote(remote, {
            accessKey: await secretValue(env.secrets, project.name, remote.accessKey.secret),
            secretKey: await secretValue(env.secrets, project.name, remote.secretKey.secret),
          }),
        );
        const key = remoteKey(client.config.prefix, record.path);
        const up = await uploadBackup(client, record.path, key);
        const copy = {
          url: `s3://${client.config.bucket}/${key}`,
          etag: up.etag,
          uploadedAt: new Date().toISOString(),
        };
        await env.store.updateBackup(record.id, { remote: copy });
        result.remote.uploaded.push(copy.url);
        log(`${record.id}: copied to ${copy.url}`);
        const pruned = await pruneRemote(client, client.config.prefix, remote.keep);
        result.remote.pruned.push(...pruned.deleted);
      }
    } catch (e) {
      const reason = (e as Error).message;
      result.failures.push({ service: s.name, reason });
      await env.store.addEvent({
        project: project.name,
        kind: 'backup',
        message: `backup of ${s.name} failed: ${reason}`,
        data: { service: s.name, ok: false },
      });
    }
  }
  result.pruned = await pruneBackups(env, project);
  return result;
}

async function secretValue(secrets: SecretStore, project: string, name: string): Promise<string> {
  const value = await secrets.get(project, name);
  if (value === undefined)
    throw new Error(`the secret ${project}/${name} is not set: stagecraft secrets set ${project} ${name}`);
  return value;
}
