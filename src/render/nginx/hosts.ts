import { SHARED } from '../../model/index.ts';
import { allRoutes, type Spec } from '../../spec/index.ts';
import { type Upstream, upstreamOf } from './upstream.ts';

export interface Location {
  path: string;
  upstream: Upstream;
  /** Prometheus and Alertmanager have no login of their own. */
  basicAuth: boolean;
}

/** One host name and every path served on it: one nginx server (per port) for the whole host. */
export interface HostRoutes {
  host: string;
  /** The project whose file holds the server: the owner of the host's most general path. */
  project: string;
  /** The service the host's own log lines are labelled with when one service serves it all, else `-`. */
  service: string;
  /** Longest path first, the order nginx matches prefixes in. */
  locations: Location[];
}

const BASIC_AUTH: ReadonlySet<string> = new Set(['prometheus', 'alertmanager']);

/**
 * Groups every route by host name. Two projects may serve different paths of one host; nginx
 * ignores a second server with the same name, so such a host must be one server, not one per project.
 */
export function hostRoutes(spec: Spec): HostRoutes[] {
  const byHost = new Map<string, Location[]>();
  for (const r of allRoutes(spec)) {
    const [project, service] = r.owner.split('/') as [string, string];
    const location: Location = {
      path: r.path,
      upstream: upstreamOf(spec, project, service),
      basicAuth: project === SHARED && BASIC_AUTH.has(service),
    };
    byHost.set(r.host, [...(byHost.get(r.host) ?? []), location]);
  }
  return [...byHost]
    .sort(([a], [c]) => compare(a, c))
    .map(([host, unsorted]) => {
      const locations = [...unsorted].sort(
        (a, c) => c.path.length - a.path.length || compare(a.path, c.path),
      );
      const general = [...locations].sort(
        (a, c) => a.path.length - c.path.length || compare(a.upstream.project, c.upstream.project),
      )[0]!;
      const owners = new Set(locations.map((l) => `${l.upstream.project}/${l.upstream.service}`));
      return {
        host,
        project: general.upstream.project,
        service: owners.size === 1 ? general.upstream.service : '-',
        locations,
      };
    });
}

/** Code-unit order: the same on every machine, unlike `localeCompare`. */
function compare(a: string, c: string): number {
  return a < c ? -1 : a > c ? 1 : 0;
}
