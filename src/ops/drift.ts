import type Docker from 'dockerode';
import { engineContainers } from '../drivers/docker/container-create.ts';
import { type Owned, ownedContainers } from '../drivers/docker/engine.ts';
import { LABEL, type Stack } from '../model/index.ts';
import type { Plan } from '../plan/index.ts';
import type { Spec } from '../spec/index.ts';
import { isTransient, networkDrift, type WantedContainer } from './converged.ts';
import { networksOf, stackDir, wantedStacks } from './up.ts';

/**
 * Drift: what differs between the engine and the spec, container by container. `up` repairs it:
 * it recreates what is changed, stopped, missing or on other networks, and removes a project's
 * containers the spec does not name (not the shared stack's).
 */
export const DRIFT_KINDS = ['changed', 'stopped', 'missing', 'unexpected', 'network'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface Drift {
  project: string;
  service: string;
  container: string;
  kind: DriftKind;
  /** What differs, for people: `joined shop-edge by hand`, `exited`. */
  detail: string;
}

/** A wanted container; without a hash when its secret files are not there yet (never `up`'d). */
export type DriftWanted = Pick<WantedContainer, 'name' | 'project' | 'image' | 'oneOff' | 'networks'> & {
  service: string;
  hash?: string;
};

/**
 * The drift of the engine's containers from the wanted ones, pure. One-offs (release steps, cron
 * jobs, backups) may be there or not, exited or not; containers other operations run for a while
 * (probes, a rollout's `<name>-next`) are not drift. With a project, only it and the shared stack.
 */
export function driftOf(wanted: readonly DriftWanted[], engine: readonly Owned[], project?: string): Drift[] {
  const inScope = (p: string | undefined) => !project || p === project || p === 'shared';
  const byName = new Map(engine.map((c) => [c.name, c]));
  const names = new Set(wanted.map((w) => w.name));
  const drift: Drift[] = [];
  for (const w of wanted) {
    if (w.oneOff || !inScope(w.project)) continue;
    const at = { project: w.project, service: w.service, container: w.name };
    const c = byName.get(w.name);
    if (!c) {
      drift.push({ ...at, kind: 'missing', detail: 'not on the engine' });
      continue;
    }
    if (c.state !== 'running') drift.push({ ...at, kind: 'stopped', detail: c.state });
    if (w.hash !== undefined && c.labels[LABEL.specHash] !== w.hash)
      drift.push({
        ...at,
        kind: 'changed',
        detail: c.labels[LABEL.specHash]
          ? 'made from another spec (its spec hash differs)'
          : 'not made by stagecraft (no spec hash)',
      });
    else if (c.image !== w.image)
      drift.push({ ...at, kind: 'changed', detail: `runs ${c.image}, not ${w.image}` });
    const { joined, left } = networkDrift(w, c);
    for (const n of joined) drift.push({ ...at, kind: 'network', detail: `joined ${n} by hand` });
    for (const n of left) drift.push({ ...at, kind: 'network', detail: `left ${n}` });
  }
  const rolling = (c: Owned) => c.name.endsWith('-next') && names.has(c.name.slice(0, -'-next'.length));
  for (const c of engine) {
    const p = c.labels[LABEL.project] ?? '';
    if (names.has(c.name) || !inScope(p) || isTransient(c) || rolling(c)) continue;
    drift.push({
      project: p,
      service: c.labels[LABEL.service] ?? '',
      container: c.name,
      kind: 'unexpected',
      detail: 'carries the environment’s labels but is not in the spec (started by hand, or left over)',
    });
  }
  return drift.sort((a, b) => a.project.localeCompare(b.project) || a.container.localeCompare(b.container));
}

/** The containers the spec wants, as `up` would create them from the server's files. */
export function wantedForDrift(spec: Spec, plan: Plan, serverDir: string): DriftWanted[] {
  const { shared, projects } = wantedStacks({ spec, plan });
  return [shared, ...projects.values()].flatMap((stack) => stackWanted(stack, stackDir(serverDir, stack)));
}

/**
 * A stack's containers with their spec hash; without it when the stack's secret files are not
 * written yet (the hash covers them), so that missing, stopped and network drift still show.
 */
function stackWanted(stack: Stack, dir: string): DriftWanted[] {
  try {
    return engineContainers(stack, dir).map((s) => ({
      name: s.name,
      project: s.container.labels[LABEL.project] ?? '',
      service: s.container.labels[LABEL.service] ?? '',
      hash: s.hash,
      image: s.container.image,
      oneOff: !!s.container.oneOff,
      networks: networksOf(s),
    }));
  } catch {
    const names = new Map(stack.networks.map((n) => [n.key, n.name]));
    return stack.containers.map((c) => ({
      name: c.name,
      project: c.labels[LABEL.project] ?? '',
      service: c.labels[LABEL.service] ?? '',
      image: c.image,
      oneOff: !!c.oneOff,
      networks: c.networks.flatMap((a) => names.get(a.network) ?? []),
    }));
  }
}

/** The environment's drift, asking the engine once. */
export async function environmentDrift(opts: {
  docker: Docker;
  spec: Spec;
  plan: Plan;
  serverDir: string;
  project?: string;
}): Promise<Drift[]> {
  const engine = await ownedContainers(opts.docker, opts.spec.environment);
  return driftOf(wantedForDrift(opts.spec, opts.plan, opts.serverDir), engine, opts.project);
}

/** Per project and kind, every kind counted (0 too, so that an alert resolves): the gauge `stagecraft_drift`. */
export interface DriftCount {
  project: string;
  kind: DriftKind;
  count: number;
}

export function driftCounts(drift: readonly Drift[], projects: readonly string[]): DriftCount[] {
  const all = [...new Set(['shared', ...projects, ...drift.map((d) => d.project)])];
  return all.flatMap((project) =>
    DRIFT_KINDS.map((kind) => ({
      project,
      kind,
      count: drift.filter((d) => d.project === project && d.kind === kind).length,
    })),
  );
}
