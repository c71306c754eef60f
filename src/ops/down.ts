import type Docker from 'dockerode';
import { ownedContainers, removeContainer } from '../drivers/docker/engine.ts';
import { projectVolumes, removeEnvironmentNetworks, removeVolume } from '../drivers/docker/removal.ts';
import type { Spec } from '../spec/index.ts';

/**
 * `down`: removes the environment's containers (of one project, or all and then its networks);
 * with `volumes`, the data volumes too: of the spec's own projects only, and never one another
 * environment labelled as its own (volumes made before they carried the environment label are
 * matched by project).
 */
export async function down(
  docker: Docker,
  spec: Spec,
  options: { project?: string | undefined; volumes?: boolean | undefined },
): Promise<{ containers: number; volumes: number }> {
  const containers = await ownedContainers(docker, spec.environment, options.project);
  await Promise.all(containers.map((c) => removeContainer(docker, c.id)));
  let volumes = 0;
  if (options.volumes) {
    const projects = options.project ? [options.project] : ['shared', ...spec.projects.map((p) => p.name)];
    for (const p of projects)
      for (const v of await projectVolumes(docker, p)) {
        if (v.environment && v.environment !== spec.environment) continue;
        await removeVolume(docker, v.name);
        volumes++;
      }
  }
  if (!options.project) await removeEnvironmentNetworks(docker, spec.environment);
  return { containers: containers.length, volumes };
}
