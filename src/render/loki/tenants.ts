import { SHARED } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';

/**
 * Loki is multi-tenant (`auth_enabled: true`): every project's logs are their own tenant, named
 * after the project, and the shared stack's own containers (labelled project `shared`) go to the
 * tenant `shared`. Project names are DNS labels, which Loki accepts as tenant IDs as they are.
 */
export const SHARED_TENANT = SHARED;

export function tenantOf(project: string): string {
  return project;
}

/** Every tenant of the environment: `shared` first, then the projects by name. */
export function lokiTenants(spec: Spec): string[] {
  return [SHARED_TENANT, ...spec.projects.map((p) => tenantOf(p.name)).sort()];
}
