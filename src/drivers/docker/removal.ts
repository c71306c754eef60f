import type Docker from 'dockerode';
import { LABEL } from '../../model/index.ts';

/** Removing what an environment owns besides its containers: data volumes and networks, found by label. */

/** A data volume labelled as the project's, with the environment its label names (none on volumes made before that label). */
export interface LabelledVolume {
  name: string;
  environment: string | undefined;
}

export async function projectVolumes(docker: Docker, project: string): Promise<LabelledVolume[]> {
  const filters = { label: [`${LABEL.project}=${project}`] };
  return ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => ({
    name: v.Name,
    environment: v.Labels?.[LABEL.environment],
  }));
}

export async function removeVolume(docker: Docker, name: string): Promise<void> {
  await docker.getVolume(name).remove();
}

/**
 * Removes the networks labelled as the environment's and the project's, each after disconnecting
 * whatever still joins it (the shared proxy, Prometheus); how many it removed.
 */
export async function removeProjectNetworks(
  docker: Docker,
  environment: string,
  project: string,
): Promise<number> {
  const filters = { label: [`${LABEL.environment}=${environment}`, `${LABEL.project}=${project}`] };
  let removed = 0;
  for (const n of await docker.listNetworks({ filters })) {
    const network = docker.getNetwork(n.Id);
    for (const id of Object.keys((await network.inspect()).Containers ?? {}))
      await network.disconnect({ Container: id, Force: true });
    await network.remove();
    removed++;
  }
  return removed;
}
