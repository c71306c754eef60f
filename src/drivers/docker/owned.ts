import type Docker from 'dockerode';

/** A container of the environment: what the driver decides on. */
export interface Owned {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  /** As the engine's inspect says it: `healthy`, `unhealthy` or `starting` (none: no healthcheck). */
  health?: string;
  image: string;
  /** An address on one of its networks (the first the engine lists), where a probe reaches it. */
  address?: string;
  /** The networks it is joined to, by name, as the engine lists them. */
  networks?: string[];
  /** The host ports it publishes. */
  publishedPorts?: number[];
}

/** A container as the engine lists it (`GET /containers/json`), reduced to what the driver decides on. */
export function toOwned(
  c: Pick<Docker.ContainerInfo, 'Id' | 'Names' | 'Labels' | 'State' | 'Status' | 'Image'> & {
    NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
    Ports?: { PublicPort?: number }[];
  },
): Owned {
  const published = [...new Set((c.Ports ?? []).flatMap((p) => (p.PublicPort ? [p.PublicPort] : [])))].sort();
  const address = firstAddress(c.NetworkSettings?.Networks);
  return {
    id: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    labels: c.Labels,
    state: c.State,
    health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', ''),
    image: c.Image,
    ...(address ? { address } : {}),
    ...(c.NetworkSettings?.Networks ? { networks: Object.keys(c.NetworkSettings.Networks).sort() } : {}),
    ...(published.length ? { publishedPorts: published } : {}),
  };
}

/** The container's address on the first of its networks the engine lists that gave it one. */
export function firstAddress(
  networks: Record<string, { IPAddress?: string }> | undefined,
): string | undefined {
  return Object.values(networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
}
