import { type Diagnostic, diagnostic } from '../diagnostic.ts';
import { LIMITS } from '../limits.ts';
import type { Service, Spec } from '../model.ts';

const USABLE = new Set(['postgres', 'redis', 'rabbitmq', 'app']);

/** `uses` names services of the same project that can be used, never forms a cycle, and stays short. */
export function checkUses(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const projectOf = new Map<string, string[]>();
  for (const p of spec.projects) {
    for (const s of p.services) {
      const owners = projectOf.get(s.name);
      if (owners) owners.push(p.name);
      else projectOf.set(s.name, [p.name]);
    }
  }
  for (const p of spec.projects) {
    const byName = new Map(p.services.map((s) => [s.name, s]));
    for (const s of p.services) {
      const user = `${p.name}/${s.name}`;
      s.uses.forEach((target, i) => {
        const at = [...s.path, 'uses', i];
        const used = byName.get(target);
        if (!used) {
          const elsewhere = (projectOf.get(target) ?? []).filter((x) => x !== p.name);
          out.push(
            elsewhere.length
              ? diagnostic('SC0411', at, { user, target, project: p.name, owners: elsewhere.join(', ') })
              : diagnostic('SC0410', at, {
                  user,
                  target,
                  project: p.name,
                  services: p.services.map((x) => x.name).join(', '),
                }),
          );
        } else if (!USABLE.has(used.type)) {
          out.push(diagnostic('SC0412', at, { user, target, type: used.type }));
        }
      });
    }
    const walk = walkUses(p.services, byName);
    for (const cycle of walk.cycles) {
      const s = byName.get(cycle[0]!)!;
      const i = s.uses.indexOf(cycle[1]!);
      out.push(
        diagnostic('SC0413', [...s.path, 'uses', Math.max(i, 0)], {
          project: p.name,
          cycle: cycle.join(' → '),
        }),
      );
    }
    if (walk.cycles.length === 0 && walk.longest.length > LIMITS.usesChain) {
      const head = byName.get(walk.longest[0]!)!;
      out.push(
        diagnostic('SC0903', [...head.path, 'uses'], {
          length: walk.longest.length,
          project: p.name,
          limit: LIMITS.usesChain,
        }),
      );
    }
  }
  return out;
}

/**
 * Depth-first over `uses` with an explicit stack (a chain of thousands must not overflow the call
 * stack): every cycle met, and the longest chain when there is none.
 */
function walkUses(
  services: Service[],
  byName: Map<string, Service>,
): { cycles: string[][]; longest: string[] } {
  const state = new Map<string, 'visiting' | 'done'>();
  /** For a finished service: the length of the longest chain it starts, and the next service on it. */
  const depth = new Map<string, { length: number; next?: string }>();
  const cycles: string[][] = [];
  const path: string[] = [];
  const frames: { name: string; next: number }[] = [];
  const enter = (name: string) => {
    state.set(name, 'visiting');
    path.push(name);
    frames.push({ name, next: 0 });
  };
  for (const root of services) {
    if (state.has(root.name)) continue;
    enter(root.name);
    while (frames.length > 0) {
      const frame = frames.at(-1)!;
      const uses = byName.get(frame.name)!.uses;
      if (frame.next < uses.length) {
        const target = uses[frame.next++]!;
        if (!byName.has(target)) continue;
        const st = state.get(target);
        if (st === 'visiting') cycles.push([...path.slice(path.lastIndexOf(target)), target]);
        else if (st === undefined) enter(target);
        continue;
      }
      let best: { length: number; next?: string } = { length: 1 };
      for (const target of uses) {
        const d = depth.get(target);
        if (d && d.length + 1 > best.length) best = { length: d.length + 1, next: target };
      }
      depth.set(frame.name, best);
      state.set(frame.name, 'done');
      frames.pop();
      path.pop();
    }
  }
  let start: string | undefined;
  for (const [name, d] of depth) if (!start || d.length > depth.get(start)!.length) start = name;
  const longest: string[] = [];
  for (let at = start; at !== undefined; at = depth.get(at)?.next) longest.push(at);
  return { cycles, longest };
}
