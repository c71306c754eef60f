import { type Diagnostic, error } from '../diagnostic.ts';
import type { Spec } from '../model.ts';
import { allRoutes, type RouteEntry } from '../routes.ts';

/** Two routes with the same host and path, in one project or across projects, are an error. */
export function checkRoutes(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, RouteEntry>();
  for (const r of allRoutes(spec)) {
    const key = `${r.host}${normalise(r.path)}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, r);
      continue;
    }
    const across = first.owner.split('/')[0] !== r.owner.split('/')[0];
    out.push(
      error(
        'route.collision',
        r.at,
        `route ${r.host}${r.path} of ${r.owner} is already taken by ${first.owner}${across ? ' (another project)' : ''}`,
        'give one of them another host or path',
      ),
    );
  }
  return out;
}

function normalise(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
