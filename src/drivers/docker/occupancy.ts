import type Docker from 'dockerode';
import { LABEL } from '../../model/index.ts';

/** What the engine already holds that `up` could collide with: its networks' subnets and published ports. */
export interface Occupancy {
  networks: { name: string; subnets: string[] }[];
  /** Host port → the container (not this environment's) that publishes it. */
  foreignPorts: Map<number, string>;
  /** Host ports this environment's own containers publish. */
  ownPorts: Set<number>;
}

export async function engineOccupancy(docker: Docker, environment: string): Promise<Occupancy> {
  const [networks, containers] = await Promise.all([
    docker.listNetworks(),
    docker.listContainers({ all: true }),
  ]);
  const foreignPorts = new Map<number, string>();
  const ownPorts = new Set<number>();
  for (const c of containers) {
    const ours = c.Labels?.[LABEL.environment] === environment;
    const name = (c.Names?.[0] ?? c.Id).replace(/^\//, '');
    for (const p of c.Ports ?? []) {
      if (!p.PublicPort) continue;
      if (ours) ownPorts.add(p.PublicPort);
      else foreignPorts.set(p.PublicPort, name);
    }
  }
  return {
    networks: networks.map((n) => ({
      name: n.Name,
      subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => Boolean(s)),
    })),
    foreignPorts,
    ownPorts,
  };
}
