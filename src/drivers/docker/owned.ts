import type Docker from 'dockerode';

/** A container of the environment: what the driver decides on. */
export interface Owned {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  health?: string;
  image: string;
}

/** A container as the engine lists it (`GET /containers/json`), reduced to what the driver decides on. */
export function toOwned(
  c: Pick<Docker.ContainerInfo, 'Id' | 'Names' | 'Labels' | 'State' | 'Status' | 'Image'>,
): Owned {
  return {
    id: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    labels: c.Labels,
    state: c.State,
    health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1],
    image: c.Image,
  };
}
