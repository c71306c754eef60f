/** What the state store keeps: plain records, and the store's interface. No business rules here. */

export type AllocationKind = 'subnet' | 'port' | 'address';

export interface AllocationRecord {
  project: string;
  kind: AllocationKind;
  /** Such as `web`, `web-1` or `internal`. */
  key: string;
  /** Such as `8000`, `172.20.0.0/20` or `172.20.0.10`. */
  value: string;
}

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed' | 'rolled-back';

export interface ReleaseRecord {
  id: string;
  project: string;
  /** ISO 8601. */
  createdAt: string;
  status: ReleaseStatus;
  specHash: string;
  /** Service name → image reference. */
  images: Record<string, string>;
  reason: string | null;
  /** What was deployed, as data (the project's stack; a compose document before the typed model): what `rollback` puts back. Any JSON value. */
  config?: unknown;
  /** Service name → the digest its image ran as (`repo@sha256:…`, or the image ID of a local build). */
  digests?: Record<string, string>;
  /** Who made the release (`deploy`'s actor: a user or a CI job). */
  actor?: string;
  /** What the deploy analysis measured after the release's gates, and its verdict. */
  analysis?: ReleaseAnalysis;
}

/** `verified`: judged and within the thresholds; `unverified`: too few requests for a verdict; `rolled-back`: over a threshold. */
export type AnalysisVerdict = 'verified' | 'unverified' | 'rolled-back';

/** One app's figures over the analysis window, at the proxy. */
export interface AppFigures {
  service: string;
  requests: number;
  errors: number;
  /** 5xx / all, 0 to 1; null without requests. */
  errorRate: number | null;
  /** Seconds; null without requests. */
  latencyP95: number | null;
}

export interface ReleaseAnalysis {
  verdict: AnalysisVerdict;
  /** ISO 8601: when the window opened and when the verdict came. */
  from: string;
  to: string;
  /** The thresholds it judged against: error rate 0 to 1, latency in seconds. */
  thresholds: { window: string; errorRate: number; latencyP95: number; minRequests: number };
  apps: AppFigures[];
  /** What went over (empty unless rolled back). */
  breaches: string[];
  /** Why there is no verdict, when Prometheus could not be asked. */
  note?: string;
}

export type ReleasePatch = Partial<Pick<ReleaseRecord, 'status' | 'reason' | 'analysis'>>;

export type BackupVerdict = 'pass' | 'fail';

export interface BackupRecord {
  id: string;
  project: string;
  service: string;
  path: string;
  bytes: number;
  sha256: string;
  /** ISO 8601. */
  createdAt: string;
  /** Any JSON value. */
  manifest: unknown;
  verified: BackupVerdict | null;
  verifiedAt: string | null;
  /** Any JSON value, or null when the backup has no remote copy. */
  remote: unknown;
}

export type BackupPatch = Partial<Pick<BackupRecord, 'path' | 'verified' | 'verifiedAt' | 'remote'>>;

export interface EventRecord {
  /** Increasing: a later event has a larger id. */
  id: number;
  /** ISO 8601. */
  at: string;
  project: string | null;
  kind: string;
  message: string;
  /** Any JSON value. */
  data: unknown;
}

export interface NewEvent {
  project: string | null;
  kind: string;
  message: string;
  data?: unknown;
  /** Defaults to now. */
  at?: string;
}

export interface EventFilter {
  project?: string;
  kind?: string;
  /** Only events recorded after the one with this id (what a stream has not sent yet). */
  afterId?: number;
  /** At most this many, newest first; all of them when absent. */
  limit?: number;
}

/** An API token as stored: the SHA-256 of its secret part, never the token. */
export interface TokenRecord {
  /** Public, part of the token (`sct_<id>_<secret>`): finds the row without comparing secrets in SQL. */
  id: string;
  user: string;
  /** Hex SHA-256 of the secret part. */
  hash: string;
  /** ISO 8601. */
  createdAt: string;
  revokedAt: string | null;
}

/** One write through the API: who, what, on which project, and how it ended. */
export interface AuditRecord {
  id: number;
  /** ISO 8601. */
  at: string;
  user: string;
  project: string | null;
  /** Such as `deploy` or `restore`. */
  action: string;
  /** `ok`, or what went wrong (`refused`, `failed: …`). */
  result: string;
  /** Any JSON value (the request's parameters, never a secret). */
  detail: unknown;
}

export type NewAudit = Omit<AuditRecord, 'id' | 'at'> & { at?: string };

/** A preview (`stagecraft preview up P NAME`): project `P--NAME`, a copy of P until it expires. */
export interface PreviewRecord {
  /** The project it copies. */
  project: string;
  name: string;
  /** Service → the image the preview runs instead of the project's. */
  images: Record<string, string>;
  /** ISO 8601: the first `preview up`. */
  createdAt: string;
  /** ISO 8601: each `preview up` moves it to its time plus the TTL. */
  expiresAt: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: string;
}

export interface StateStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Every recorded allocation, ordered by project, kind, key. */
  loadAllocations(): Promise<AllocationRecord[]>;
  /**
   * Replaces the recorded allocations of `projects` by `rows`, in one transaction; projects not
   * listed are untouched. A row of a project not listed is refused before anything changes.
   */
  recordAllocations(rows: AllocationRecord[], projects: string[]): Promise<void>;
  /** Drops the project's allocations (its releases, backups and events stay as history). */
  forgetProject(project: string): Promise<void>;

  addRelease(release: ReleaseRecord): Promise<void>;
  /** Throws when no release has this id. */
  updateRelease(id: string, patch: ReleasePatch): Promise<void>;
  /** Oldest first. */
  listReleases(project?: string): Promise<ReleaseRecord[]>;

  addBackup(backup: BackupRecord): Promise<void>;
  /** Throws when no backup has this id. */
  updateBackup(id: string, patch: BackupPatch): Promise<void>;
  /** Oldest first. */
  listBackups(project?: string): Promise<BackupRecord[]>;
  /** Whether a backup had this id. */
  deleteBackup(id: string): Promise<boolean>;

  addEvent(event: NewEvent): Promise<EventRecord>;
  /** Newest first. */
  listEvents(filter?: EventFilter): Promise<EventRecord[]>;

  addToken(token: TokenRecord): Promise<void>;
  /** The token with this id, revoked or not; null when there is none. */
  findToken(id: string): Promise<TokenRecord | null>;
  /** Oldest first, revoked ones included. */
  listTokens(): Promise<TokenRecord[]>;
  /** Revokes every live token of the user; how many there were. */
  revokeTokens(user: string, at?: string): Promise<number>;

  addAudit(entry: NewAudit): Promise<AuditRecord>;
  /** Newest first. */
  listAudit(limit?: number): Promise<AuditRecord[]>;

  /** Adds the preview, or replaces the images and expiry of the one with its project and name. */
  savePreview(preview: PreviewRecord): Promise<void>;
  /** By project, then name. */
  listPreviews(project?: string): Promise<PreviewRecord[]>;
  /** Whether there was such a preview. */
  deletePreview(project: string, name: string): Promise<boolean>;

  /** The schema migrations recorded in the database, oldest first. */
  appliedMigrations(): Promise<AppliedMigration[]>;
  close(): Promise<void>;
}
