import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { ownedContainers } from '../drivers/docker/engine.ts';
import { LABEL, SHARED } from '../model/index.ts';
import { type AllocationRow, allocationsToRows, type ProjectAllocation } from '../plan/index.ts';
import type { StateStore } from '../state/index.ts';

export interface Recorded {
  rows: AllocationRow[];
  /** The file they were taken from, when the store recorded none. */
  recoveredFrom?: string;
}

/**
 * The allocations the store records; when it records none (a new state database, or one lost or
 * moved aside) but an `up` left its `plan.json` in the server folder, that plan's: the running
 * containers hold those ports, subnets and addresses, and planning afresh would move them all.
 */
export async function recordedAllocations(
  store: StateStore,
  serverDir: string,
  engine?: { docker: () => Promise<Docker | undefined>; environment: string },
): Promise<Recorded> {
  const rows = await store.loadAllocations();
  if (rows.length) return { rows };
  const file = join(serverDir, 'plan.json');
  const recovered = allocationsInPlanFile(file);
  if (recovered.length) return { rows: recovered, recoveredFrom: file };
  const docker = await engine?.docker().catch(() => undefined);
  if (!docker || !engine) return { rows };
  const onEngine = await portsOnEngine(docker, engine.environment).catch(() => []);
  return onEngine.length ? { rows: onEngine, recoveredFrom: 'the running containers' } : { rows };
}

/**
 * The host ports the environment's own containers publish, as allocation rows (a service's port
 * is allocated by its name): with no record at all, the ports they hold are theirs, not taken.
 * Subnets and addresses are planned again, and come out the same (first fit, in spec order).
 */
export async function portsOnEngine(docker: Docker, environment: string): Promise<AllocationRow[]> {
  const rows = new Map<string, AllocationRow>();
  for (const c of await ownedContainers(docker, environment)) {
    // The apps' direct ports are the proxy's to publish; it names them.
    for (const entry of (c.labels[LABEL.appPorts] ?? '').split(',')) {
      const m = /^([a-z0-9-]+)\/([a-z0-9-]+)=(\d+)$/.exec(entry);
      if (m) rows.set(`${m[1]}/${m[2]}`, { project: m[1]!, kind: 'port', key: m[2]!, value: m[3]! });
    }
    const project = c.labels[LABEL.project];
    const service = c.labels[LABEL.service];
    const port = c.publishedPorts?.[0];
    if (!project || project === SHARED || !service || port === undefined) continue;
    rows.set(`${project}/${service}`, { project, kind: 'port', key: service, value: String(port) });
  }
  return [...rows.values()];
}

/** The rows of a `plan.json`'s allocations; none when the file is missing or not one. */
export function allocationsInPlanFile(file: string): AllocationRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const allocations = (parsed as { allocations?: unknown } | null)?.allocations;
  if (!allocations || typeof allocations !== 'object') return [];
  const wellFormed: Record<string, ProjectAllocation> = {};
  for (const [project, a] of Object.entries(allocations)) {
    if (!isAllocation(a)) continue;
    const o = a as Partial<ProjectAllocation>;
    wellFormed[project] = {
      ...(o as ProjectAllocation),
      ports: o.ports ?? {},
      addresses: o.addresses ?? {},
      edgeAddresses: o.edgeAddresses ?? {},
      metricsAddresses: o.metricsAddresses ?? {},
    };
  }
  return allocationsToRows(wellFormed);
}

function isAllocation(a: unknown): boolean {
  if (!a || typeof a !== 'object') return false;
  const o = a as Record<string, unknown>;
  const record = (v: unknown, type: 'string' | 'number') =>
    v === undefined ||
    (typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === type));
  return (
    typeof o.subnet === 'string' &&
    record(o.ports, 'number') &&
    record(o.addresses, 'string') &&
    record(o.edgeAddresses, 'string') &&
    record(o.metricsAddresses, 'string')
  );
}
