import type Docker from 'dockerode';
import { LABEL } from '../../model/index.ts';
import { type Owned, toOwned } from './owned.ts';

/** A container of the environment with the host addresses its ports are published on (`IP:port`). */
export interface Listed extends Owned {
  published: string[];
}

/** Every container of the environment, running or not, as the engine lists them. */
export async function listEnvironment(docker: Docker, environment: string): Promise<Listed[]> {
  const listed = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.environment}=${environment}`] },
  });
  return listed.map((c) => ({
    ...toOwned(c),
    published: c.Ports.filter((x) => x.PublicPort).map((x) => `${x.IP}:${x.PublicPort}`),
  }));
}
