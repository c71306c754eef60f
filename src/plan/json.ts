import { isolationMatrix } from './isolation.ts';
import type { Plan } from './plan.ts';

/** The `plan --json` and `plan.json` document (spec.md), stable in key order. */
export function planToJson(plan: Plan) {
  const allocations: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(plan.allocations)) {
    allocations[name] = {
      subnet: a.subnet,
      networks: { internal: a.internal, edge: a.edge, metrics: a.metrics },
      ports: a.ports,
      addresses: a.addresses,
      edgeAddresses: a.edgeAddresses,
      metricsAddresses: a.metricsAddresses,
    };
  }
  const b = plan.budget;
  return {
    environment: plan.spec.environment,
    allocations,
    budget: {
      cpus: b.cpus,
      memory: b.memory,
      ...(b.disk ? { disk: b.disk } : {}),
      shared: { cpus: b.shared.cpus / 1000, memory: b.shared.bytes },
      projects: Object.fromEntries(
        Object.entries(b.projects).map(([n, u]) => {
          const q = b.quotas[n];
          const quota = q && {
            ...(q.cpus === undefined ? {} : { cpus: q.cpus / 1000 }),
            ...(q.bytes === undefined ? {} : { memory: q.bytes }),
          };
          return [n, { cpus: u.cpus / 1000, memory: u.bytes, disk: u.disk, ...(quota ? { quota } : {}) }];
        }),
      ),
    },
    cost: plan.cost ?? null,
    isolation: isolationMatrix(plan.spec),
    diff: plan.diff,
    warnings: plan.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message),
    errors: plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
  };
}
