import { type Diagnostic, diagnostic } from '../diagnostic.ts';
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
      diagnostic('SC0420', r.at, {
        route: `${r.host}${r.path}`,
        owner: r.owner,
        first: first.owner,
        across: across ? ' (another project)' : '',
      }),
    );
  }
  return out;
}

function normalise(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
