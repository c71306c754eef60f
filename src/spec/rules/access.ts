import { type Diagnostic, diagnostic } from '../diagnostic.ts';
import type { Spec } from '../model.ts';

/** `access` gives roles to teams: each team must be one `teams:` defines, or nobody would get the role. */
export function checkAccess(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const teams = Object.keys(spec.teams);
  for (const p of spec.projects)
    for (const team of Object.keys(p.access))
      if (!Object.hasOwn(spec.teams, team))
        out.push({
          ...diagnostic('SC0430', ['projects', p.name, 'access', team], {
            project: p.name,
            team,
            teams: teams.length ? teams.join(', ') : '(none; define the team under teams:)',
          }),
          atKey: true,
        });
  for (const [team, users] of Object.entries(spec.teams)) {
    const seen = new Set<string>();
    users.forEach((user, i) => {
      if (seen.has(user)) out.push(diagnostic('SC0431', ['teams', team, i], { team, user }));
      seen.add(user);
    });
  }
  return out;
}
