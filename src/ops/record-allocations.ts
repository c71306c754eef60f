import { allocationsToRows, type Plan } from '../plan/index.ts';
import type { StateStore } from '../state/index.ts';

/**
 * Records the allocations a plan used, so later plans keep them (`render` and `up` call this).
 * Projects the plan no longer has are forgotten: their ports and block become free again.
 */
export async function recordAllocations(store: StateStore, plan: Plan): Promise<void> {
  const projects = Object.keys(plan.allocations);
  await store.recordAllocations(allocationsToRows(plan.allocations), projects);
  for (const p of plan.diff.projects) {
    if (p.change === 'remove') await store.forgetProject(p.name);
  }
}
