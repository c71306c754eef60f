import type { Spec } from './model.ts';

export type PortKind = 'postgres' | 'redis' | 'rabbitmq' | 'app';

export const PORT_KINDS: readonly PortKind[] = ['postgres', 'redis', 'rabbitmq', 'app'];

/**
 * A kind's ports. A range given as a first port runs up to the next range's first port (or 65535):
 * room for as many projects as the ports between, not a fixed count.
 */
export function portRange(spec: Pick<Spec, 'ports'>, kind: PortKind): { from: number; to: number } {
  const r = spec.ports[kind];
  if (typeof r !== 'number') return r;
  const firsts = PORT_KINDS.map((k) => {
    const other = spec.ports[k];
    return typeof other === 'number' ? other : other.from;
  });
  const next = Math.min(...firsts.filter((first) => first > r));
  return { from: r, to: Number.isFinite(next) ? next - 1 : 65535 };
}
