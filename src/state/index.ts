/**
 * `state`: the state store (SQLite by default, PostgreSQL by URL) and its migrations, the secret
 * store, and generated credentials. Records only: no business rules here.
 */
export { DEFAULT_ALPHABET, DEFAULT_LENGTH, type GenerateOptions, generateValue } from './generate.ts';
export { resolveStateLocation, type SecretLocation, type StateLocation } from './location.ts';
export { MIGRATIONS_TABLE, SchemaTooNew } from './migrate.ts';
export { MIGRATIONS, type Migration } from './migrations.ts';
export type {
  AllocationKind,
  AllocationRecord,
  AnalysisVerdict,
  AppFigures,
  AppliedMigration,
  AuditRecord,
  BackupPatch,
  BackupRecord,
  BackupVerdict,
  EventFilter,
  EventRecord,
  NewAudit,
  NewEvent,
  PreviewRecord,
  ReleaseAnalysis,
  ReleasePatch,
  ReleaseRecord,
  ReleaseStatus,
  StateStore,
  TokenRecord,
} from './records.ts';
export { InvalidSecretName } from './secret-names.ts';
export type { SecretRef, SecretStore } from './secret-store.ts';
export { openSecretStore } from './secrets.ts';
export { openStore } from './store.ts';
