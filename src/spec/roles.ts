import type { Spec } from './model.ts';
import { ROLES } from './schema.ts';

/** What a user may do on a project through the control plane; each role includes the ones before it. */
export type Role = (typeof ROLES)[number];

/** Whether `role` is at least `needed` (viewer < editor < admin). */
export function roleAllows(role: Role | null, needed: Role): boolean {
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * The user's role on the project: the highest that `projects.<p>.access` gives any team the user is
 * in (`teams:`), or null when none does (or the project does not exist).
 */
export function roleOf(spec: Pick<Spec, 'teams' | 'projects'>, user: string, project: string): Role | null {
  const p = spec.projects.find((x) => x.name === project);
  if (!p) return null;
  let best: Role | null = null;
  for (const [team, role] of Object.entries(p.access))
    if (spec.teams[team]?.includes(user) && !roleAllows(best, role)) best = role;
  return best;
}
