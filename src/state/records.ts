/** What the state store keeps. Plain records: the store knows no business rules. */
export interface AllocationRecord {
  project: string;
  kind: 'subnet' | 'port' | 'address';
  key: string;
  value: string;
}

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed' | 'rolled-back';

export interface ReleaseRecord {
  id: string;
  project: string;
  createdAt: string;
  status: ReleaseStatus;
  specHash: string;
  /** Service name → image reference. */
  images: Record<string, string>;
  reason: string | null;
}

export interface BackupRecord {
  id: string;
  project: string;
  service: string;
  path: string;
  bytes: number;
  sha256: string;
  createdAt: string;
  manifest: unknown;
  verified: 'pass' | 'fail' | null;
  verifiedAt: string | null;
  remote: unknown | null;
}

export interface EventRecord {
  id: number;
  at: string;
  project: string | null;
  kind: string;
  message: string;
  data: unknown;
}

export interface StateStore {
  readonly kind: 'sqlite' | 'postgres';
  loadAllocations(): Promise<AllocationRecord[]>;
  /** Replaces the recorded allocations of `projects` by `rows`, in one transaction; other projects are untouched. */
  recordAllocations(rows: AllocationRecord[], projects: string[]): Promise<void>;
  forgetProject(project: string): Promise<void>;
  addRelease(r: ReleaseRecord): Promise<void>;
  updateRelease(id: string, patch: Partial<Pick<ReleaseRecord, 'status' | 'reason'>>): Promise<void>;
  listReleases(project?: string): Promise<ReleaseRecord[]>;
  addBackup(b: BackupRecord): Promise<void>;
  updateBackup(
    id: string,
    patch: Partial<Pick<BackupRecord, 'verified' | 'verifiedAt' | 'remote' | 'path'>>,
  ): Promise<void>;
  listBackups(project?: string): Promise<BackupRecord[]>;
  deleteBackup(id: string): Promise<void>;
  addEvent(e: Omit<EventRecord, 'id' | 'at'> & { at?: string }): Promise<number>;
  listEvents(filter?: { project?: string; kind?: string; limit?: number }): Promise<EventRecord[]>;
  /** The migration versions applied, oldest first. */
  appliedMigrations(): Promise<number[]>;
  close(): Promise<void>;
}
