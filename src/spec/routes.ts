import type { Path } from './diagnostic.ts';
import type { Spec } from './model.ts';

export interface RouteEntry {
  host: string;
  path: string;
  /** `project/service`, or `shared/<component>` for the shared stack's own pages. */
  owner: string;
  at: Path;
}

/** Every host and path the shared proxy serves: app routes, RabbitMQ UIs and the shared stack's pages. */
export function allRoutes(spec: Spec): RouteEntry[] {
  const out: RouteEntry[] = [];
  const monitoring = spec.shared.monitoring;
  if (spec.server.domain) {
    const d = spec.server.domain;
    if (monitoring.grafana !== false) out.push(sharedRoute(`grafana.${d}`, 'grafana'));
    if (monitoring.prometheus !== false) out.push(sharedRoute(`prometheus.${d}`, 'prometheus'));
    if (monitoring.alertmanager !== false) out.push(sharedRoute(`alerts.${d}`, 'alertmanager'));
  }
  for (const p of spec.projects) {
    for (const s of p.services) {
      if (s.type === 'app') {
        s.resolvedRoutes.forEach((r, i) => {
          const at = s.routes ? [...s.path, 'routes', i] : s.path;
          out.push({ host: r.host, path: r.path, owner: `${p.name}/${s.name}`, at });
        });
      } else if (s.type === 'rabbitmq' && s.ui) {
        out.push({
          host: `rabbitmq.${p.domain}`,
          path: '/',
          owner: `${p.name}/${s.name}`,
          at: [...s.path, 'ui'],
        });
      }
    }
  }
  return out;
}

/** Where users reach a host through the shared proxy: `https://<host>/`, with the port when it is not the standard one. */
export function publicUrl(spec: Spec, host: string): string {
  const tls = spec.shared.proxy.tls !== 'none';
  const port = tls ? spec.server.listen.https : spec.server.listen.http;
  const standard = tls ? 443 : 80;
  return `${tls ? 'https' : 'http'}://${host}${port === standard ? '' : `:${port}`}/`;
}

function sharedRoute(host: string, component: string): RouteEntry {
  return { host, path: '/', owner: `shared/${component}`, at: ['server', 'domain'] };
}
