import type { Allocations, RecordedAllocations } from './allocations.ts';

export interface PlanDiff {
  projects: { name: string; change: 'add' | 'remove' | 'keep' }[];
  containers: { project: string; key: string; change: 'add' | 'remove' }[];
  /** Allocations that are new or moved; kept ones are not listed. */
  allocations: { project: string; what: string; from?: string; to: string }[];
}

/** Desired allocations against recorded ones: what `render`/`up` would add, move or drop. */
export function diffAllocations(desired: Allocations, recorded: RecordedAllocations): PlanDiff {
  const diff: PlanDiff = { projects: [], containers: [], allocations: [] };
  const recordedProjects = new Set([
    ...recorded.subnets.keys(),
    ...recorded.ports.keys(),
    ...recorded.addresses.keys(),
  ]);
  for (const [name, a] of Object.entries(desired)) {
    diff.projects.push({ name, change: recordedProjects.has(name) ? 'keep' : 'add' });
    const oldSubnet = recorded.subnets.get(name);
    if (oldSubnet !== a.subnet)
      diff.allocations.push({
        project: name,
        what: 'subnet',
        ...(oldSubnet ? { from: oldSubnet } : {}),
        to: a.subnet,
      });
    const oldPorts = recorded.ports.get(name);
    for (const [service, port] of Object.entries(a.ports)) {
      const old = oldPorts?.get(service);
      if (old !== port)
        diff.allocations.push({
          project: name,
          what: `port ${service}`,
          ...(old ? { from: String(old) } : {}),
          to: String(port),
        });
    }
    const oldAddresses = recorded.addresses.get(name);
    const oldKeys = new Set([...(oldAddresses?.keys() ?? [])].filter((k) => !k.startsWith('edge:')));
    for (const key of Object.keys(a.addresses)) {
      if (!oldKeys.delete(key)) diff.containers.push({ project: name, key, change: 'add' });
    }
    for (const key of oldKeys) diff.containers.push({ project: name, key, change: 'remove' });
  }
  for (const name of recordedProjects) {
    if (!(name in desired)) {
      diff.projects.push({ name, change: 'remove' });
      for (const key of recorded.addresses.get(name)?.keys() ?? []) {
        if (!key.startsWith('edge:')) diff.containers.push({ project: name, key, change: 'remove' });
      }
    }
  }
  return diff;
}
