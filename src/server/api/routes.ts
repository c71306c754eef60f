import type { Role } from '../../spec/index.ts';
import { deployBody, restoreBody, rollbackBody, verifyRestoreBody } from './schemas.ts';

/** The API's project routes and the role each needs: app.ts serves them, openapi.ts describes them. */

/** Reads under `/api/v1/projects/P`. */
export const PROJECT_READS = ['', '/services', '/releases', '/backups', '/previews', '/audit'] as const;
export type ProjectRead = (typeof PROJECT_READS)[number];

export const READ_ROLE: Record<ProjectRead, Role> = {
  '': 'viewer',
  '/services': 'viewer',
  '/releases': 'viewer',
  '/backups': 'viewer',
  '/previews': 'viewer',
  '/audit': 'admin',
};

/** `GET /api/v1/projects/P/logs` (Server-Sent Events; query: logsQuery). */
export const LOGS_ROLE: Role = 'viewer';

/** Writes: `POST /api/v1/projects/P/<action>`, with the body each takes. */
export const WRITE_ROUTES = [
  { action: 'deploy', role: 'editor', body: deployBody },
  { action: 'rollback', role: 'editor', body: rollbackBody },
  { action: 'restore', role: 'admin', body: restoreBody },
  { action: 'verify-restore', role: 'admin', body: verifyRestoreBody },
] as const satisfies readonly { action: string; role: Role; body: unknown }[];
export type WriteAction = (typeof WRITE_ROUTES)[number]['action'];
