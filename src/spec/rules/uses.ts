import { type Diagnostic, error } from '../diagnostic.ts';
import type { Service, Spec } from '../model.ts';

const USABLE = new Set(['postgres', 'redis', 'rabbitmq', 'app']);

/** `uses` names services of the same project that can be used, and never forms a cycle. */
export function checkUses(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const projectOf = new Map<string, string[]>();
  for (const p of spec.projects) {
    for (const s of p.services) projectOf.set(s.name, [...(projectOf.get(s.name) ?? []), p.name]);
  }
  for (const p of spec.projects) {
    const byName = new Map(p.services.map((s) => [s.name, s]));
    for (const s of p.services) {
      s.uses.forEach((target, i) => {
        const at = [...s.path, 'uses', i];
        const used = byName.get(target);
        if (!used) {
          const elsewhere = (projectOf.get(target) ?? []).filter((x) => x !== p.name);
          const hint = elsewhere.length
            ? `"${target}" belongs to project ${elsewhere.join(', ')}; projects cannot use each other's services`
            : `services of ${p.name}: ${p.services.map((x) => x.name).join(', ')}`;
          out.push(
            error(
              'uses.unknown',
              at,
              `${p.name}/${s.name} uses "${target}", which is not a service of ${p.name}`,
              hint,
            ),
          );
        } else if (!USABLE.has(used.type)) {
          out.push(
            error(
              'uses.type',
              at,
              `${p.name}/${s.name} uses ${target}, a ${used.type}; only postgres, redis, rabbitmq and app services can be used`,
            ),
          );
        }
      });
    }
    for (const cycle of findCycles(p.services, byName)) {
      const s = byName.get(cycle[0]!)!;
      const i = s.uses.indexOf(cycle[1]!);
      out.push(
        error(
          'uses.cycle',
          [...s.path, 'uses', Math.max(i, 0)],
          `uses forms a cycle in ${p.name}: ${cycle.join(' → ')}`,
          'start-up follows uses, so one of these must not use the other',
        ),
      );
    }
  }
  return out;
}

function findCycles(services: Service[], byName: Map<string, Service>): string[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (name: string) => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const next of byName.get(name)?.uses ?? []) {
      if (!byName.has(next)) continue;
      const st = state.get(next);
      if (st === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (st === undefined) visit(next);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const s of services) if (!state.has(s.name)) visit(s.name);
  return cycles;
}
