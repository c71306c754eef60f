import type { Owned } from '../drivers/docker/owned.ts';
import { LABEL, PROBE_ROLE, VERIFY_ROLE } from '../model/index.ts';

/**
 * Whether what runs is what the spec asks for, on plain data: the slow path computes the wanted
 * containers from the spec, the no-op fast path reads them from the last converged `up`.
 */

/** A container as the spec wants it. */
export interface WantedContainer {
  name: string;
  project: string;
  hash: string;
  image: string;
  hasHealthcheck: boolean;
  /** Run on demand (a release step, a cron job), not kept running: it may be there, exited, or not. */
  oneOff: boolean;
  /** The networks it joins, by name (absent in an up record of an older stagecraft: not compared). */
  networks?: string[];
}

/** Containers another operation runs for a while and removes itself; `up` leaves them be. */
const TRANSIENT_ROLES = new Set([VERIFY_ROLE, PROBE_ROLE]);
export const isTransient = (c: Owned): boolean => TRANSIENT_ROLES.has(c.labels[LABEL.role] ?? '');

/**
 * Whether a container must be (re)created: missing, another spec hash, not running, another
 * image (a tag that moved to a rebuilt image shows as the old image's ID), or on other networks
 * than its spec's (one joined, or left, by hand).
 */
export function differs(
  w: Pick<WantedContainer, 'hash' | 'image' | 'networks'>,
  c: Owned | undefined,
): boolean {
  if (!c || c.labels[LABEL.specHash] !== w.hash || c.state !== 'running' || c.image !== w.image) return true;
  const { joined, left } = networkDrift(w, c);
  return joined.length > 0 || left.length > 0;
}

/**
 * The networks a container was joined to, and those it left, against its spec's. Only for a
 * running container whose networks both sides know (a stopped one lists none).
 */
export function networkDrift(
  w: Pick<WantedContainer, 'networks'>,
  c: Pick<Owned, 'networks' | 'state'>,
): { joined: string[]; left: string[] } {
  if (!w.networks?.length || !c.networks || c.state !== 'running') return { joined: [], left: [] };
  const wanted = new Set(w.networks);
  const has = new Set(c.networks);
  return {
    joined: c.networks.filter((n) => !wanted.has(n)),
    left: w.networks.filter((n) => !has.has(n)),
  };
}

/**
 * Every long-running wanted container present with its spec hash and image, running, and healthy where it has
 * a healthcheck (or, in `ready`, answering its readiness probe before the engine's first check);
 * nothing of the environment's that is not wanted (transient ones aside). With a project, only
 * that project and the shared stack count.
 */
export function isConverged(
  wanted: readonly WantedContainer[],
  owned: readonly Owned[],
  project?: string,
  ready: ReadonlySet<string> = new Set(),
): boolean {
  const byName = new Map(owned.map((c) => [c.name, c]));
  const inScope = (p: string | undefined) => !project || p === project || p === 'shared';
  for (const w of wanted) {
    if (w.oneOff || !inScope(w.project)) continue;
    const c = byName.get(w.name);
    if (!c || differs(w, c)) return false;
    const healthy = w.hasHealthcheck ? c.health === 'healthy' || ready.has(c.name) : c.health === undefined;
    if (!healthy) return false;
  }
  const names = new Set(wanted.map((w) => w.name));
  return owned.every((c) => names.has(c.name) || !inScope(c.labels[LABEL.project]) || isTransient(c));
}
