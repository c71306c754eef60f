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
}

/** Containers another operation runs for a while and removes itself; `up` leaves them be. */
const TRANSIENT_ROLES = new Set([VERIFY_ROLE, PROBE_ROLE]);
export const isTransient = (c: Owned): boolean => TRANSIENT_ROLES.has(c.labels[LABEL.role] ?? '');

/**
 * Whether a container must be (re)created: missing, another spec hash, not running, or another
 * image (a tag that moved to a rebuilt image shows as the old image's ID).
 */
export function differs(w: Pick<WantedContainer, 'hash' | 'image'>, c: Owned | undefined): boolean {
  return !c || c.labels[LABEL.specHash] !== w.hash || c.state !== 'running' || c.image !== w.image;
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
