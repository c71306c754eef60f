import type { Spec } from './model.ts';

export type PortKind = 'postgres' | 'redis' | 'rabbitmq' | 'app';

/** A range given as a first port spans 100 ports, enough for 100 projects of one service each. */
export const DEFAULT_RANGE_SIZE = 100;

export function portRange(spec: Pick<Spec, 'ports'>, kind: PortKind): { from: number; to: number } {
  const r = spec.ports[kind];
  return typeof r === 'number' ? { from: r, to: Math.min(65535, r + DEFAULT_RANGE_SIZE - 1) } : r;
}
