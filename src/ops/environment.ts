import { join } from 'node:path';
import type Docker from 'dockerode';
import { type ContainerSpec, containerSpecs } from '../drivers/docker/from-compose.ts';
import type { Plan } from '../plan/index.ts';
import { projectComposeDoc } from '../render/compose/project.ts';
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
export function projectContainerSpecs(env: RunningEnvironment, project: Project): ContainerSpec[] {
  const doc = projectComposeDoc({ spec: env.spec, plan: env.plan }, project);
  if (!doc) throw new Error(`project ${project.name} has no allocation in the plan`);
  return containerSpecs(doc, join(env.serverDir, 'projects', project.name));
}

/** The one-off `<service>-<role>` of the project's compose document (`db-backup`, `web-release`, a cron service). */
export function oneOff(env: RunningEnvironment, project: Project, key: string): ContainerSpec {
  const spec = projectContainerSpecs(env, project).find((s) => s.key === key);
  if (!spec) throw new Error(`project ${project.name} has no one-off ${key}`);
  return spec;
}
