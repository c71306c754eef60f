import type { ContainerStatus } from '../../ops/status.ts';
import type { Plan } from '../../plan/index.ts';
import type { Project, Role, Spec } from '../../spec/index.ts';
import type { AuditRecord, BackupRecord, ReleaseRecord } from '../../state/index.ts';

/**
 * What the API shows of a project, from the spec, the plan and the store (always there) and the
 * engine (when it answers). Never env values, a release's recorded configuration or a secret:
 * only what a viewer may read.
 */
export interface EngineView {
  reachable: boolean;
  /** Why not, when it is not. */
  error?: string;
  containers: ContainerStatus[];
}

export function serviceViews(project: Project, plan: Plan, engine: EngineView) {
  const ports = plan.allocations[project.name]?.ports ?? {};
  return project.services.map((s) => {
    const containers = engine.containers.filter((c) => c.project === project.name && c.service === s.name);
    return {
      name: s.name,
      type: s.type,
      ...('image' in s && typeof s.image === 'string' ? { image: s.image } : {}),
      ...('replicas' in s ? { replicas: s.replicas } : {}),
      port: ports[s.name] ?? null,
      routes: s.type === 'app' ? s.resolvedRoutes.map((r) => `${r.host}${r.path}`) : [],
      health: engine.reachable
        ? containers.map((c) => ({ replica: c.replica, state: c.state, health: c.health }))
        : null,
    };
  });
}

export const releaseView = ({ id, createdAt, status, images, reason }: ReleaseRecord) => ({
  id,
  createdAt,
  status,
  images,
  reason,
});

export const backupView = (b: BackupRecord) => ({
  id: b.id,
  service: b.service,
  bytes: b.bytes,
  createdAt: b.createdAt,
  verified: b.verified,
  verifiedAt: b.verifiedAt,
  remote: b.remote !== null && b.remote !== undefined,
});

export const auditView = ({ id, at, user, action, result, detail }: AuditRecord) => ({
  id,
  at,
  user,
  action,
  result,
  detail,
});

export function budgetView(spec: Spec, plan: Plan, project: string) {
  const usage = plan.budget.projects[project];
  return {
    cpus: usage ? usage.cpus / 1000 : 0,
    memoryBytes: usage?.bytes ?? 0,
    quota: plan.budget.quotas[project] ?? null,
    cost:
      plan.cost && spec.server.cost
        ? { monthly: plan.cost.projects[project] ?? 0, currency: plan.cost.currency }
        : null,
  };
}

export function projectSummary(project: Project, role: Role) {
  return { name: project.name, domain: project.domain, role, services: project.services.length };
}
