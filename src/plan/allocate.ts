import {
  Cidr,
  type Diagnostic,
  diagnostic,
  PORT_KINDS,
  type PortKind,
  type Project,
  portRange,
  type Spec,
} from '../spec/index.ts';
import type { Allocations, ProjectAllocation, RecordedAllocations } from './allocations.ts';
import { containerSlots, needsPort } from './containers.ts';

/** What the host already uses, found by a driver; the planner only reads it. */
export interface HostUsage {
  ports: ReadonlySet<number>;
  subnets: readonly Cidr[];
}

export const EMPTY_HOST: HostUsage = { ports: new Set(), subnets: [] };

/**
 * Sticky allocation: every project keeps what was recorded for it (when it still fits), and new
 * projects and services take the first free port of their range and the first free block of the
 * pool, skipping what the host already uses. Pure: a function of spec, recorded state and host.
 */
export function allocate(
  spec: Spec,
  recorded: RecordedAllocations,
  host: HostUsage,
): { allocations: Allocations; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const blocks = allocateSubnets(spec, recorded, host, diagnostics);
  const ports = allocatePorts(spec, recorded, host, diagnostics);
  const allocations: Allocations = {};
  for (const p of spec.projects) {
    const block = blocks.get(p.name);
    if (!block) continue;
    const { internal, edge, metrics } = splitBlock(block);
    const a: ProjectAllocation = {
      subnet: block.toString(),
      internal: internal.toString(),
      edge: edge.toString(),
      metrics: metrics.toString(),
      ports: ports.get(p.name) ?? {},
      addresses: {},
      edgeAddresses: {},
      metricsAddresses: {},
    };
    assignAddresses(spec, p, a, { internal, edge, metrics }, recorded, diagnostics);
    allocations[p.name] = a;
  }
  return { allocations, diagnostics };
}

/**
 * A project's block: the first half for its internal network, the third quarter for its edge
 * network (the proxy and the apps), the fourth for its metrics network (Prometheus and what it scrapes).
 */
export function splitBlock(block: Cidr): { internal: Cidr; edge: Cidr; metrics: Cidr } {
  const internal = Cidr.of(block.base, block.prefix + 1);
  const edge = Cidr.of(block.base + internal.size, block.prefix + 2);
  const metrics = Cidr.of(edge.base + edge.size, block.prefix + 2);
  return { internal, edge, metrics };
}

function allocateSubnets(
  spec: Spec,
  recorded: RecordedAllocations,
  host: HostUsage,
  diagnostics: Diagnostic[],
): Map<string, Cidr> {
  const pool = spec.network.projects;
  const prefix = spec.network.projectSize;
  const result = new Map<string, Cidr>();
  if (prefix < pool.prefix) return result;
  const blockSize = 2 ** (32 - prefix);
  const count = pool.size / blockSize;
  const taken = new Set<number>();
  const blockIndex = (c: Cidr) => (c.base - pool.base) / blockSize;
  for (const p of spec.projects) {
    const text = recorded.subnets.get(p.name);
    const parsed = text ? Cidr.parse(text) : undefined;
    if (!parsed?.ok) continue;
    const c = parsed.value;
    const index = blockIndex(c);
    if (c.prefix === prefix && pool.contains(c) && Number.isInteger(index) && !taken.has(index)) {
      taken.add(index);
      result.set(p.name, c);
    }
  }
  const blockedByHost = (index: number) => {
    const c = Cidr.of(pool.base + index * blockSize, prefix);
    return host.subnets.some((h) => h.overlaps(c));
  };
  let next = 0;
  for (const p of spec.projects) {
    if (result.has(p.name)) continue;
    while (next < count && (taken.has(next) || blockedByHost(next))) next++;
    if (next >= count) {
      diagnostics.push(
        diagnostic('SC0801', ['network', 'projects'], { pool: String(pool), prefix, project: p.name }),
      );
      continue;
    }
    taken.add(next);
    result.set(p.name, Cidr.of(pool.base + next * blockSize, prefix));
  }
  return result;
}

function allocatePorts(
  spec: Spec,
  recorded: RecordedAllocations,
  host: HostUsage,
  diagnostics: Diagnostic[],
): Map<string, Record<string, number>> {
  const result = new Map<string, Record<string, number>>();
  const taken = new Set<number>(Object.values(spec.server.listen));
  if (spec.shared.registryMirror) taken.add(spec.shared.registryMirror.port);
  const ranges = new Map<PortKind, { from: number; to: number; next: number }>();
  for (const kind of PORT_KINDS) {
    const r = portRange(spec, kind);
    ranges.set(kind, { ...r, next: r.from });
  }
  const pending: { project: string; service: string; kind: PortKind; at: readonly (string | number)[] }[] =
    [];
  for (const p of spec.projects) {
    const ports: Record<string, number> = {};
    result.set(p.name, ports);
    const old = recorded.ports.get(p.name);
    for (const s of p.services) {
      if (!needsPort(s)) continue;
      const kind = s.type;
      const range = ranges.get(kind)!;
      const kept = old?.get(s.name);
      if (kept !== undefined && kept >= range.from && kept <= range.to && !taken.has(kept)) {
        ports[s.name] = kept;
        taken.add(kept);
      } else pending.push({ project: p.name, service: s.name, kind, at: s.path });
    }
  }
  for (const want of pending) {
    const range = ranges.get(want.kind)!;
    while (range.next <= range.to && (taken.has(range.next) || host.ports.has(range.next))) range.next++;
    if (range.next > range.to) {
      diagnostics.push(
        diagnostic('SC0802', want.at, {
          kind: want.kind,
          range: `${range.from}-${range.to}`,
          service: `${want.project}/${want.service}`,
          from: range.from,
          to: Math.min(65535, range.to + 100),
        }),
      );
      continue;
    }
    taken.add(range.next);
    result.get(want.project)![want.service] = range.next;
  }
  return result;
}

/** Container addresses: .1 is the gateway; slots take the lowest free address, keeping recorded ones. */
function assignAddresses(
  spec: Spec,
  p: Project,
  a: ProjectAllocation,
  nets: { internal: Cidr; edge: Cidr; metrics: Cidr },
  recorded: RecordedAllocations,
  diagnostics: Diagnostic[],
): void {
  const project = p.name;
  const old = recorded.addresses.get(project);
  const slots = containerSlots(p);
  fill(
    nets.internal,
    slots.map((s) => s.key),
    a.addresses,
    (key) => old?.get(key),
  );
  fill(
    nets.edge,
    slots.filter((s) => s.onEdge).map((s) => s.key),
    a.edgeAddresses,
    (key) => old?.get(`edge:${key}`),
  );
  fill(
    nets.metrics,
    slots.filter((s) => s.onMetrics).map((s) => s.key),
    a.metricsAddresses,
    (key) => old?.get(`metrics:${key}`),
  );

  function fill(
    net: Cidr,
    keys: string[],
    out: Record<string, string>,
    recordedFor: (key: string) => string | undefined,
  ) {
    // The upper quarter stays free for addresses the engine hands out itself (the shared proxy's, probes').
    const limit = Math.floor(net.size * 0.75);
    const used = new Set<number>([0, 1]);
    const offsetOf = (ip: string) => {
      const parsed = Cidr.parse(`${ip}/32`);
      return parsed.ok ? parsed.value.base - net.base : -1;
    };
    const pendingKeys: string[] = [];
    for (const key of keys) {
      const ip = recordedFor(key);
      const offset = ip ? offsetOf(ip) : -1;
      if (offset > 1 && offset < limit && !used.has(offset)) {
        used.add(offset);
        out[key] = ip!;
      } else pendingKeys.push(key);
    }
    let next = 2;
    for (const key of pendingKeys) {
      while (used.has(next)) next++;
      if (next >= limit) {
        diagnostics.push(
          diagnostic('SC0803', ['network', 'projectSize'], { project, size: spec.network.projectSize }),
        );
        return;
      }
      used.add(next);
      out[key] = net.address(next);
    }
  }
}
