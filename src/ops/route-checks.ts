import { httpGet } from '../drivers/http-get.ts';
import type { Plan } from '../plan/index.ts';
import type { Project, Spec } from '../spec/index.ts';

/** A request `up` makes to prove a route: through the proxy by Host header, or on an app's direct port. */
export interface RouteTarget {
  project: string;
  url: string;
  host?: string;
}

export interface RouteCheck {
  route: string;
  status: number;
}

/** Each route of the projects' apps, through the proxy by Host header and on its direct port. */
export function routeTargets(spec: Spec, plan: Plan, projects: readonly Project[]): RouteTarget[] {
  const targets: RouteTarget[] = [];
  for (const p of projects) {
    for (const s of p.services) {
      if (s.type !== 'app' || s.replicas === 0) continue;
      for (const r of s.resolvedRoutes)
        targets.push({
          project: p.name,
          url: `http://127.0.0.1:${spec.server.listen.http}${r.path}`,
          host: r.host,
        });
      const port = plan.allocations[p.name]?.ports[s.name];
      if (port) targets.push({ project: p.name, url: `http://127.0.0.1:${port}${s.health.path}` });
    }
  }
  return targets;
}

/**
 * All at once: each is a request on loopback, and they are independent. A failing one is tried
 * again (every 250 ms, `attempts` times in all) while the proxy picks a new route up.
 */
export function checkTargets(targets: readonly RouteTarget[], attempts = 20): Promise<RouteCheck[]> {
  return Promise.all(targets.map((t) => checkRoute(t, attempts)));
}

/** Whether a route answered as a live app does: anything but nothing or a 5xx. */
export const answered = (status: number): boolean => status > 0 && status < 500;

/** A route that answered nothing or 5xx fails the `up`. */
export function routeFailures(checks: readonly RouteCheck[]): { project: string; reason: string }[] {
  return checks
    .filter((c) => !answered(c.status))
    .map((c) => ({ project: '-', reason: `${c.route} answered ${c.status || 'nothing'}` }));
}

/** One request on loopback, by Host header when given. */
async function checkRoute({ url, host }: RouteTarget, attempts: number): Promise<RouteCheck> {
  const u = new URL(url);
  const route = host ? `${host}${u.pathname}` : url;
  const target = { host: u.hostname, port: Number(u.port || 80) };
  let status = 0;
  for (let attempt = 1; ; attempt++) {
    status = (
      await httpGet(target, `${u.pathname}${u.search}`, { ...(host ? { host } : {}), timeoutMs: 3000 })
    ).status;
    if (answered(status) || attempt >= attempts) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { route, status };
}
