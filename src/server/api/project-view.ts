import { SHARED } from '../../model/index.ts';
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

/** Where a route is reached from outside: the proxy's scheme and port as the spec sets them. */
export function routeUrl(spec: Spec, route: { host: string; path: string }): string {
  const { http, https } = spec.server.listen;
  const port = (n: number, standard: number) => (n === standard ? '' : `:${n}`);
  return spec.shared.proxy.tls === 'none'
    ? `http://${route.host}${port(http, 80)}${route.path}`
    : `https://${route.host}${port(https, 443)}${route.path}`;
}

const replicaView = (c: ContainerStatus) => ({ replica: c.replica, state: c.state, health: c.health });

export function serviceViews(spec: Spec, project: Project, plan: Plan, engine: EngineView) {
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
      urls: s.type === 'app' ? s.resolvedRoutes.map((r) => routeUrl(spec, r)) : [],
      health: engine.reachable ? containers.map(replicaView) : null,
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

/**
 * The server as a user sees it: the shared stack's health and reservation, the budget with the
 * projects the user may view by name and the others as one sum, and the monthly cost.
 */
export function serverView(
  spec: Spec,
  plan: Plan,
  engine: EngineView,
  mayView: (project: string) => boolean,
) {
  const { budget } = plan;
  const usage = (u: { cpus: number; bytes: number }) => ({ cpus: u.cpus / 1000, memoryBytes: u.bytes });
  const others = { cpus: 0, bytes: 0 };
  const projects = [];
  for (const [name, u] of Object.entries(budget.projects)) {
    if (mayView(name)) projects.push({ name, ...usage(u) });
    else {
      others.cpus += u.cpus;
      others.bytes += u.bytes;
    }
  }
  return {
    environment: spec.environment,
    shared: {
      ...usage(budget.shared),
      health: engine.reachable
        ? engine.containers
            .filter((c) => c.project === SHARED)
            .map((c) => ({ service: c.service, ...replicaView(c) }))
        : null,
    },
    budget: {
      cpus: { used: budget.cpus.used, available: budget.cpus.available },
      memoryBytes: { used: budget.memory.used, available: budget.memory.available },
      projects,
      others: usage(others),
    },
    cost: plan.cost
      ? { monthly: plan.cost.monthly, shared: plan.cost.shared, currency: plan.cost.currency }
      : null,
  };
}

export function projectSummary(project: Project, role: Role) {
  return { name: project.name, domain: project.domain, role, services: project.services.length };
}
