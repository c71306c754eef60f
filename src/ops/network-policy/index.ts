/** Offline NetworkPolicy evaluation: which pod may reach which pod, on which port. */
export { evaluateTraffic, isPod, policyAffects } from './evaluate.ts';
export { selectorMatches } from './selector.ts';
export type * from './types.ts';
