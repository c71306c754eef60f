import { edgeHost, SERVICE_PORTS, SHARED, SHARED_PORTS, sharedAddress } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';

/** Where a location forwards to, and the labels its log lines carry. */
export interface Upstream {
  project: string;
  service: string;
  /** `http://shop-web:8000`: a name, resolved through Docker's DNS at request time. */
  url: string;
}

type SharedPage = 'grafana' | 'prometheus' | 'alertmanager';

/** The upstream of a route owner (`project/service`, or `shared/<component>`). */
export function upstreamOf(spec: Spec, project: string, service: string): Upstream {
  if (project === SHARED) {
    const component = service as SharedPage;
    // By address: these containers sit on several networks, and Prometheus listens only on this one.
    return { project, service, url: `http://${sharedAddress(spec, component)}:${SHARED_PORTS[component]}` };
  }
  const s = spec.projects.find((p) => p.name === project)?.services.find((x) => x.name === service);
  if (!s) throw new Error(`route owner ${project}/${service} is not a service of the spec`);
  // The only routed services are apps and RabbitMQ management UIs (`allRoutes`).
  const port = s.type === 'app' ? s.port : SERVICE_PORTS.rabbitmqManagement;
  return { project, service, url: `http://${edgeHost(project, service)}:${port}` };
}

/** The variable `proxy_pass` goes through, which is what makes nginx resolve the name per request. */
export function upstreamVariable(u: Upstream): string {
  return `$upstream_${u.project}_${u.service}`.replace(/[^A-Za-z0-9_$]/g, '_');
}
