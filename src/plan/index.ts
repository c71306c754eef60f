/** `plan`, pure: allocations, budget, cost split, isolation matrix and the diff against recorded state. */
export { allocate, EMPTY_HOST, type HostUsage, splitBlock } from './allocate.ts';
export * from './allocations.ts';
export {
  type Budget,
  checkBudget,
  formatBytes,
  projectUsage,
  sharedUsage,
  type Usage,
  WARN_RATIO,
} from './budget.ts';
export { type ContainerSlot, containerSlots, hasExporter, metricsPort, needsPort } from './containers.ts';
export { type Cost, splitCost } from './cost.ts';
export { diffAllocations, type PlanDiff } from './diff.ts';
export { type IsolationEntry, isolationMatrix, projectTargets } from './isolation.ts';
export { planToJson } from './json.ts';
export { type Plan, type PlanInput, planEnvironment } from './plan.ts';
export { checkSecretsSet, type SecretUse, secretUses } from './secrets.ts';
