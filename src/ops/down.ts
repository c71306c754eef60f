import type Docker from 'dockerode';
import { ownedContainers, removeContainer } from '../drivers/docker/engine.ts';
import { projectVolumes, removeVolume } from '../drivers/docker/removal.ts';
import { LABEL, type Stack } from '../model/index.ts';
import type { Plan } from '../plan/index.ts';
import type { Spec } from '../spec/index.ts';
import { withEngineLock } from './engine-lock.ts';
import { wantedStacks } from './up.ts';

export interface DownResult {
  containers: number;
  volumes: number;
  networks: number;
  /** What carries the environment's label but is not in this spec: left as it is. */
  left: string[];
}

/** The engine names a spec's stacks render: what `down` may remove, and nothing else. */
export interface DownScope {
  /** Container name → its project (a rollout's `<name>-next` included). */
  containers: Map<string, string>;
  networks: Set<string>;
  volumes: Set<string>;
}

/** The names `down` of the spec (or of one project, whose networks stay) may remove. */
export function downScope(spec: Spec, plan: Plan, project?: string): DownScope {
  const { shared, projects } = wantedStacks({ spec, plan });
  const stacks: Stack[] = project
    ? [...projects.values()].filter((s) => s.name === project)
    : [shared, ...projects.values()];
  const scope: DownScope = { containers: new Map(), networks: new Set(), volumes: new Set() };
  for (const stack of stacks) {
    for (const c of stack.containers) {
      scope.containers.set(c.name, stack.name);
      scope.containers.set(`${c.name}-next`, stack.name);
    }
    if (!project) for (const n of stack.networks) if (!n.external) scope.networks.add(n.name);
    for (const v of stack.volumes) scope.volumes.add(v.name);
  }
  return scope;
}

/**
 * `down`: removes the containers (of one project, or all and then the networks) that the spec's
 * stacks name and that carry the environment's and the project's labels; with `volumes`, their
 * data volumes too, never one another environment labelled as its own (volumes made before they
 * carried the environment label are matched by project). Whatever else carries the environment's
 * label (another spec's projects on the same engine) is left, and listed.
 */
export async function down(
  docker: Docker,
  spec: Spec,
  plan: Plan,
  options: DownOptions,
): Promise<DownResult> {
  const command = options.project ? `down ${options.project}` : 'down';
  return withEngineLock(docker, { command, waitMs: options.waitMs, log: options.log ?? (() => {}) }, () =>
    downLocked(docker, spec, plan, options),
  );
}

export interface DownOptions {
  project?: string | undefined;
  volumes?: boolean | undefined;
  /** How long to wait for another operation's engine lock; none: refuse at once. */
  waitMs?: number | undefined;
  log?: (line: string) => void;
}

async function downLocked(docker: Docker, spec: Spec, plan: Plan, options: DownOptions): Promise<DownResult> {
  const scope = downScope(spec, plan, options.project);
  const result: DownResult = { containers: 0, volumes: 0, networks: 0, left: [] };
  const owned = await ownedContainers(docker, spec.environment, options.project);
  const ours = owned.filter((c) => scope.containers.get(c.name) === c.labels[LABEL.project]);
  for (const c of owned) if (!ours.includes(c)) result.left.push(`container ${c.name} (not in this spec)`);
  await Promise.all(ours.map((c) => removeContainer(docker, c.id)));
  result.containers = ours.length;
  if (options.volumes) {
    const projects = options.project ? [options.project] : ['shared', ...spec.projects.map((p) => p.name)];
    for (const p of projects)
      for (const v of await projectVolumes(docker, p)) {
        if (v.environment && v.environment !== spec.environment) continue;
        if (!scope.volumes.has(v.name)) {
          result.left.push(`volume ${v.name} (not in this spec)`);
          continue;
        }
        await removeVolume(docker, v.name);
        result.volumes++;
      }
  }
  if (!options.project) {
    const labelled = await docker.listNetworks({
      filters: { label: [`${LABEL.environment}=${spec.environment}`] },
    });
    for (const n of labelled) {
      if (!scope.networks.has(n.Name)) {
        result.left.push(`network ${n.Name} (not in this spec)`);
        continue;
      }
      // One another spec's container still uses stays (the engine refuses).
      const gone = await docker
        .getNetwork(n.Id)
        .remove()
        .then(() => true)
        .catch(() => false);
      if (gone) result.networks++;
      else result.left.push(`network ${n.Name} (still in use)`);
    }
  }
  return result;
}
