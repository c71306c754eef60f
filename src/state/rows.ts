/** Between records and table rows: JSON columns, nullable columns, a stable order. */
import type {
  AllocationRecord,
  AuditRecord,
  BackupRecord,
  EventRecord,
  PreviewRecord,
  ReleaseAnalysis,
  ReleaseRecord,
  TokenRecord,
} from './records.ts';
import type { Row } from './sql.ts';

export const toJson = (value: unknown): string => JSON.stringify(value ?? null);
const fromJson = (text: unknown): unknown => (typeof text === 'string' ? JSON.parse(text) : null);
const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/** Code-unit order, the same whatever the database's collation. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function allocationFromRow(r: Row): AllocationRecord {
  return {
    project: String(r.project),
    kind: String(r.kind) as AllocationRecord['kind'],
    key: String(r.key),
    value: String(r.value),
  };
}

export function releaseFromRow(r: Row): ReleaseRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    createdAt: String(r.created_at),
    status: String(r.status) as ReleaseRecord['status'],
    specHash: String(r.spec_hash),
    images: (fromJson(r.images) ?? {}) as Record<string, string>,
    reason: textOrNull(r.reason),
    ...(r.config == null ? {} : { config: fromJson(r.config) }),
    ...(r.digests == null ? {} : { digests: fromJson(r.digests) as Record<string, string> }),
    ...(r.actor == null ? {} : { actor: String(r.actor) }),
    ...(r.analysis == null ? {} : { analysis: fromJson(r.analysis) as ReleaseAnalysis }),
  };
}

export function backupFromRow(r: Row): BackupRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    service: String(r.service),
    path: String(r.path),
    bytes: Number(r.bytes),
    sha256: String(r.sha256),
    createdAt: String(r.created_at),
    manifest: fromJson(r.manifest),
    verified: textOrNull(r.verified) as BackupRecord['verified'],
    verifiedAt: textOrNull(r.verified_at),
    remote: fromJson(r.remote),
  };
}

export function eventFromRow(r: Row): EventRecord {
  return {
    id: Number(r.id),
    at: String(r.at),
    project: textOrNull(r.project),
    kind: String(r.kind),
    message: String(r.message),
    data: fromJson(r.data),
  };
}

export function previewFromRow(r: Row): PreviewRecord {
  return {
    project: String(r.project),
    name: String(r.name),
    images: (fromJson(r.images) ?? {}) as Record<string, string>,
    createdAt: String(r.created_at),
    expiresAt: String(r.expires_at),
  };
}

export function tokenFromRow(r: Row): TokenRecord {
  return {
    id: String(r.id),
    user: String(r.user_name),
    hash: String(r.hash),
    createdAt: String(r.created_at),
    revokedAt: textOrNull(r.revoked_at),
  };
}

export function auditFromRow(r: Row): AuditRecord {
  return {
    id: Number(r.id),
    at: String(r.at),
    user: String(r.user_name),
    project: textOrNull(r.project),
    action: String(r.action),
    result: String(r.result),
    detail: fromJson(r.detail),
  };
}
