import type Docker from 'dockerode';
import { LABEL, type Stack } from '../model/index.ts';

/**
 * The containers, networks and volumes the stacks name that exist on the engine but are not
 * this environment's (another environment's, or made by hand): names are the engine's, so `up`
 * would otherwise remove or take them over. One line each; empty when every name is free or ours.
 */
export async function foreignNames(
  docker: Docker,
  environment: string,
  stacks: readonly Stack[],
): Promise<string[]> {
  const containers = new Set<string>();
  const networks = new Set<string>();
  const volumes = new Set<string>();
  for (const stack of stacks) {
    // A rolling replica starts beside the old one under `-next`.
    for (const c of stack.containers) containers.add(c.name).add(`${c.name}-next`);
    for (const n of stack.networks) if (!n.external) networks.add(n.name);
    for (const v of stack.volumes) volumes.add(v.name);
  }
  const notOurs = (labels: Record<string, string> | null | undefined) =>
    labels?.[LABEL.environment] !== environment;
  const out: string[] = [];
  for (const c of await docker.listContainers({ all: true })) {
    const name = (c.Names[0] ?? '').replace(/^\//, '');
    if (containers.has(name) && notOurs(c.Labels)) out.push(`the container ${name} ${owner(c.Labels)}`);
  }
  for (const n of await docker.listNetworks())
    if (networks.has(n.Name) && notOurs(n.Labels)) out.push(`the network ${n.Name} ${owner(n.Labels)}`);
  for (const v of (await docker.listVolumes()).Volumes ?? [])
    if (volumes.has(v.Name) && notOurs(v.Labels)) out.push(`the volume ${v.Name} ${owner(v.Labels)}`);
  return out;
}

function owner(labels: Record<string, string> | null | undefined): string {
  const other = labels?.[LABEL.environment];
  return other
    ? `belongs to the environment ${other} on this engine`
    : 'exists, and stagecraft did not make it (no io.stagecraft.environment label)';
}
