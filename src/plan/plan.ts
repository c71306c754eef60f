import { type Diagnostic, type Spec, sortDiagnostics } from '../spec/index.ts';
import { allocate, EMPTY_HOST, type HostUsage } from './allocate.ts';
import { type Allocations, NOTHING_RECORDED, type RecordedAllocations } from './allocations.ts';
import { type Budget, checkBudget } from './budget.ts';
import { type Cost, splitCost } from './cost.ts';
import { diffAllocations, type PlanDiff } from './diff.ts';
import { checkSecretsSet } from './secrets.ts';

export interface PlanInput {
  recorded?: RecordedAllocations;
  host?: HostUsage;
  /** Whether a secret has a value; when absent, secrets are not checked (as in `validate`). */
  secretIsSet?: (project: string, name: string) => boolean;
}

export interface Plan {
  spec: Spec;
  allocations: Allocations;
  budget: Budget;
  cost?: Cost;
  diff: PlanDiff;
  /** Unplaced: paths into the spec; the caller places them with the spec's source. */
  diagnostics: Diagnostic[];
}

/** The pure heart of stagecraft: everything derived from (spec, recorded state, host usage). */
export function planEnvironment(spec: Spec, input: PlanInput = {}): Plan {
  const recorded = input.recorded ?? NOTHING_RECORDED;
  const { allocations, diagnostics } = allocate(spec, recorded, input.host ?? EMPTY_HOST);
  const budget = checkBudget(spec);
  diagnostics.push(...budget.diagnostics);
  if (input.secretIsSet) diagnostics.push(...checkSecretsSet(spec, input.secretIsSet));
  const cost = splitCost(spec, budget.budget);
  const plan: Plan = {
    spec,
    allocations,
    budget: budget.budget,
    diff: diffAllocations(allocations, recorded),
    diagnostics: sortDiagnostics(diagnostics),
  };
  if (cost) plan.cost = cost;
  return plan;
}
