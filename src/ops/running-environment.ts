import { join } from 'node:path';
import type Docker from 'dockerode';
import { type EngineContainer, engineContainers } from '../drivers/docker/container-create.ts';
import type { Plan } from '../plan/index.ts';
import { projectStack } from '../render/index.ts';
import type { Project, Spec } from '../spec/index.ts';
import type { StateStore } from '../state/index.ts';

/** A converged server as the day-2 operations see it: the spec, its plan, the engine and the store. */
export interface RunningEnvironment {
  spec: Spec;
  plan: Plan;
  docker: Docker;
  store: StateStore;
  /** Where `up` wrote the server's layout (compose files and the secret files they name). */
  serverDir: string;
}

/** The project's containers as `up` creates them, one-offs included (read from its secret files). */
export function projectEngineContainers(env: RunningEnvironment, project: Project): EngineContainer[] {
  const stack = projectStack({ spec: env.spec, plan: env.plan }, project);
  if (!stack) throw new Error(`project ${project.name} has no allocation in the plan`);
  return engineContainers(stack, join(env.serverDir, 'projects', project.name));
}

/** The project's one-off `<service>-<role>` (`db-backup`, `web-release`), or a cron service's. */
export function oneOff(env: RunningEnvironment, project: Project, key: string): EngineContainer {
  const spec = projectEngineContainers(env, project).find((s) => s.container.key === key);
  if (!spec) throw new Error(`project ${project.name} has no one-off ${key}`);
  return spec;
}
