import { basename } from 'node:path';
import type { S3Client, UploadResult } from '../../drivers/s3/index.ts';
import { explainRetention, type RetentionDecision, type RetentionPolicy } from './retention.ts';

/**
 * Off-site copies of the backup dumps: upload one, and prune the remote copies with the remote's own
 * `keep` (usually longer than the local one). Only keys named like our dumps are ever deleted.
 */

/** `<project>-<service>-<YYYYMMDDTHHMMSSZ>.dump`, the name the backup script gives a dump. */
const DUMP_NAME = /^(.+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.dump$/;

export interface RemoteDump {
  key: string;
  /** `<project>-<service>`: retention applies to each series on its own. */
  series: string;
  /** ISO 8601, from the name (the object's Last-Modified is when it was uploaded, not taken). */
  createdAt: string;
}

export interface RemotePruneResult {
  /** Every dump seen, with the verdict and its reasons, per series, newest first. */
  decisions: RetentionDecision[];
  deleted: string[];
}

/** The key of a local dump under the remote prefix: `<prefix>/<file name>`. */
export function remoteKey(prefix: string, localPath: string): string {
  const name = basename(localPath);
  return prefix ? `${prefix.replace(/\/+$/, '')}/${name}` : name;
}

/** Null for a key that is not a dump (a checksum file, someone else's object). */
export function parseDumpKey(key: string): RemoteDump | null {
  const m = DUMP_NAME.exec(basename(key));
  if (!m) return null;
  const [, series, year, month, day, hour, minute, second] = m;
  const createdAt = `${year}-${month}-${day}T${hour}:${minute}:${second}Z`;
  const at = new Date(createdAt);
  if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 19) !== createdAt.slice(0, 19)) return null;
  return { key, series: series ?? '', createdAt: at.toISOString() };
}

/** Upload one dump (multipart when large), checked against its checksum by the client. */
export function uploadBackup(client: S3Client, localPath: string, key: string): Promise<UploadResult> {
  return client.uploadFile(key, localPath);
}

/**
 * List the dumps under `prefix`, apply `keep` to each `<project>-<service>` series, delete what it
 * lets go. `protect` holds keys that must stay (a restore is reading them). Remote copies carry no
 * verification verdict, so only the newest of each series and the buckets keep one.
 */
export async function pruneRemote(
  client: S3Client,
  prefix: string,
  keep: RetentionPolicy,
  options: { protect?: ReadonlySet<string> } = {},
): Promise<RemotePruneResult> {
  const listPrefix = prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
  const objects = await client.listObjects(listPrefix);
  const series = new Map<string, RemoteDump[]>();
  for (const object of objects) {
    const dump = parseDumpKey(object.key);
    if (!dump) continue;
    series.set(dump.series, [...(series.get(dump.series) ?? []), dump]);
  }
  const decisions: RetentionDecision[] = [];
  for (const name of [...series.keys()].sort()) {
    const dumps = series.get(name) ?? [];
    decisions.push(
      ...explainRetention(
        dumps.map((d) => ({ id: d.key, createdAt: d.createdAt, verified: null })),
        keep,
        options.protect ? { protect: options.protect } : {},
      ),
    );
  }
  const deleted: string[] = [];
  for (const decision of decisions) {
    if (decision.keep) continue;
    await client.deleteObject(decision.id);
    deleted.push(decision.id);
  }
  return { decisions, deleted };
}
