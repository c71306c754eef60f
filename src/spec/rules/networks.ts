import { type Diagnostic, diagnostic } from '../diagnostic.ts';
import type { Spec } from '../model.ts';
import { PORT_KINDS, portRange } from '../ports.ts';

/**
 * The shared network holds the gateway, the shared stack's fixed addresses (.2 to .10, see
 * render/topology.ts) and the broadcast address, with room left for what the engine hands out.
 */
const SHARED_ADDRESSES = 16;

/** Address pools must not overlap, and port ranges must not overlap each other or the proxy's ports. */
export function checkNetworks(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { shared, projects, projectSize } = spec.network;
  if (shared.size < SHARED_ADDRESSES) {
    out.push(
      diagnostic('SC0507', ['network', 'shared'], {
        what: 'shared',
        cidr: String(shared),
        available: shared.size,
        needed: SHARED_ADDRESSES,
        hint: 'use a /28 or larger, such as 172.19.0.0/16',
      }),
    );
  }
  if (shared.overlaps(projects)) {
    out.push(
      diagnostic('SC0501', ['network', 'projects'], { projects: String(projects), shared: String(shared) }),
    );
  }
  if (projectSize < projects.prefix) {
    out.push(
      diagnostic('SC0502', ['network', 'projectSize'], {
        size: projectSize,
        pool: String(projects),
        prefix: projects.prefix,
      }),
    );
  }
  const { http, https } = spec.server.listen;
  if (http === https) out.push(diagnostic('SC0506', ['server', 'listen', 'https'], { port: https }));
  const mirror = spec.shared.registryMirror;
  for (const [name, listen] of Object.entries(spec.server.listen))
    if (mirror && mirror.port === listen)
      out.push(diagnostic('SC0508', ['shared', 'registryMirror', 'port'], { port: listen, name }));
  const ranges = PORT_KINDS.map((kind) => ({ kind, ...portRange(spec, kind) }));
  for (const r of ranges) {
    if (r.to < r.from) {
      out.push(diagnostic('SC0503', ['ports', r.kind, 'to'], { kind: r.kind, to: r.to, from: r.from }));
    }
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.from <= b.to && b.from <= a.to) {
        out.push(
          diagnostic('SC0504', ['ports', b.kind], {
            kind: b.kind,
            range: `${b.from}-${b.to}`,
            other: a.kind,
            otherRange: `${a.from}-${a.to}`,
          }),
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
          diagnostic('SC0505', ['ports', r.kind], {
            kind: r.kind,
            range: `${r.from}-${r.to}`,
            name,
            port: listen,
          }),
        );
      }
    }
  }
  return out;
}
