import type { Spec } from '../spec/index.ts';
import type { Budget, Usage } from './budget.ts';

export interface Cost {
  currency: string;
  monthly: number;
  shared: number;
  projects: Record<string, number>;
}

/**
 * `cost.monthly` split into the shared part (the given percentage, or the shared stack's share of
 * reserved resources) and each project's part in proportion to what it reserves. Amounts are in
 * cents-rounded units that add up to the monthly total exactly.
 */
export function splitCost(spec: Spec, budget: Budget): Cost | undefined {
  const cost = spec.server.cost;
  if (!cost) return undefined;
  const totalCpus = budget.cpus.used * 1000;
  const totalBytes = budget.memory.used;
  const weight = (u: Usage) =>
    ((totalCpus ? u.cpus / totalCpus : 0) + (totalBytes ? u.bytes / totalBytes : 0)) / 2;
  const cents = Math.round(cost.monthly * 100);
  const sharedCents = cost.shared
    ? Math.round(cents * cost.shared.fraction)
    : Math.round(cents * weight(budget.shared));
  const names = Object.keys(budget.projects);
  const weights = names.map((n) => weight(budget.projects[n]!));
  const sum = weights.reduce((a, b) => a + b, 0);
  const rest = cents - sharedCents;
  const parts = names.map((_, i) =>
    sum > 0 ? Math.floor((rest * weights[i]!) / sum) : Math.floor(rest / Math.max(names.length, 1)),
  );
  // Hand the rounding remainder, a cent at a time, to the largest shares.
  let remainder = names.length ? rest - parts.reduce((a, b) => a + b, 0) : 0;
  const order = names.map((_, i) => i).sort((a, b) => weights[b]! - weights[a]!);
  for (let k = 0; remainder > 0; k = (k + 1) % order.length, remainder--) parts[order[k]!]! += 1;
  const projects: Record<string, number> = {};
  names.forEach((n, i) => {
    projects[n] = parts[i]! / 100;
  });
  return {
    currency: cost.currency,
    monthly: cost.monthly,
    shared: (names.length ? sharedCents : cents) / 100,
    projects,
  };
}
