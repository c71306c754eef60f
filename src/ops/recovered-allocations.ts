import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
export async function recordedAllocations(store: StateStore, serverDir: string): Promise<Recorded> {
  const rows = await store.loadAllocations();
  if (rows.length) return { rows };
  const file = join(serverDir, 'plan.json');
  const recovered = allocationsInPlanFile(file);
  return recovered.length ? { rows: recovered, recoveredFrom: file } : { rows };
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
