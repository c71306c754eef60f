import { type Diagnostic, error } from '../diagnostic.ts';
import type { Spec } from '../model.ts';
import { PORT_KINDS, portRange } from '../ports.ts';

/** Address pools must not overlap, and port ranges must not overlap each other or the proxy's ports. */
export function checkNetworks(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { shared, projects, projectSize } = spec.network;
  if (shared.overlaps(projects)) {
    out.push(
      error(
        'network.overlap',
        ['network', 'projects'],
        `the project pool ${projects} overlaps the shared network ${shared}`,
        'choose pools that do not overlap, such as shared 172.19.0.0/16 and projects 172.20.0.0/14',
      ),
    );
  }
  if (projectSize < projects.prefix) {
    out.push(
      error(
        'network.size',
        ['network', 'projectSize'],
        `a project block of /${projectSize} does not fit in the pool ${projects}`,
        `use a projectSize of at least ${projects.prefix}`,
      ),
    );
  }
  const ranges = PORT_KINDS.map((kind) => ({ kind, ...portRange(spec, kind) }));
  for (const r of ranges) {
    if (r.to < r.from) {
      out.push(
        error(
          'ports.range',
          ['ports', r.kind, 'to'],
          `the ${r.kind} port range ends (${r.to}) before it starts (${r.from})`,
        ),
      );
    }
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.from <= b.to && b.from <= a.to) {
        out.push(
          error(
            'ports.overlap',
            ['ports', b.kind],
            `the ${b.kind} port range ${b.from}-${b.to} overlaps the ${a.kind} range ${a.from}-${a.to}`,
            'give each kind its own range: { from: N, to: M }',
          ),
        );
      }
    }
    const r = ranges[i]!;
    // A range given as a first port runs on to the next one, so it may well span the proxy's ports:
    // allocation skips them. One written out as { from, to } is meant to be all free.
    if (typeof spec.ports[r.kind] === 'number') continue;
    for (const [name, listen] of Object.entries(spec.server.listen)) {
      if (listen >= r.from && listen <= r.to) {
        out.push(
          error(
            'ports.listen',
            ['ports', r.kind],
            `the ${r.kind} port range ${r.from}-${r.to} includes the proxy's ${name} port ${listen}`,
          ),
        );
      }
    }
  }
  return out;
}
