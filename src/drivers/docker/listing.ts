import type Docker from 'dockerode';
import { LABEL } from '../../model/index.ts';
import { type Owned, toOwned } from './owned.ts';

/** A container of the environment with the host addresses its ports are published on (`IP:port`). */
export interface Listed extends Owned {
  published: string[];
  /** The ID (`sha256:…`) of the image it runs. */
  imageId: string;
}

/** Every container of the environment, running or not, as the engine lists them. */
export async function listEnvironment(docker: Docker, environment: string): Promise<Listed[]> {
  const listed = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.environment}=${environment}`] },
  });
  return listed.map((c) => ({
    ...toOwned(c),
    imageId: c.ImageID,
    published: c.Ports.filter((x) => x.PublicPort).map((x) => `${x.IP}:${x.PublicPort}`),
  }));
}
