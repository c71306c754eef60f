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

/** Removes every network labelled as the environment's; one still in use (by a container not ours) stays. */
export async function removeEnvironmentNetworks(docker: Docker, environment: string): Promise<void> {
  for (const n of await docker.listNetworks({ filters: { label: [`${LABEL.environment}=${environment}`] } }))
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => {});
}
