import type { ContainerSlot } from '../plan/index.ts';
import type { Project, Service, Spec } from '../spec/index.ts';

/**
 * Names, labels and ports every target agrees on (architecture.md, "Names"): renderers and drivers
 * import these instead of building names themselves.
 */

export const LABEL = {
  environment: 'io.stagecraft.environment',
  project: 'io.stagecraft.project',
  service: 'io.stagecraft.service',
  release: 'io.stagecraft.release',
  role: 'io.stagecraft.role',
  type: 'io.stagecraft.type',
  specHash: 'io.stagecraft.spec-hash',
  /** How `up` checks readiness from outside (render/readiness-probe.ts). */
  probe: 'io.stagecraft.probe',
} as const;

/**
 * Roles of containers another operation starts for a while and removes itself: an isolation probe,
 * a restore check's scratch database. `up` leaves them be.
 */
export const PROBE_ROLE = 'probe';
export const VERIFY_ROLE = 'verify';

export const SHARED = 'shared';

/** The shared stack's components: container name suffix and the port each listens on inside. */
export const SHARED_PORTS = {
  proxy: 80,
  proxyTls: 443,
  /** nginx stub_status for the local exporter only. */
  proxyStatus: 8081,
  proxyExporter: 9113,
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  loki: 3100,
  alloy: 12345,
  nodeExporter: 9100,
  cadvisor: 8080,
} as const;

/** Ports data services and exporters listen on inside their containers. */
export const SERVICE_PORTS = {
  postgres: 5432,
  redis: 6379,
  rabbitmq: 5672,
  rabbitmqManagement: 15672,
  postgresExporter: 9187,
  redisExporter: 9121,
} as const;

export type SharedComponent =
  | 'proxy'
  | 'nginx-exporter'
  | 'prometheus'
  | 'alertmanager'
  | 'grafana'
  | 'loki'
  | 'alloy'
  | 'node-exporter'
  | 'cadvisor';

export function sharedContainer(component: SharedComponent): string {
  return `${SHARED}-${component}`;
}

/** The shared stack's fixed host numbers on `shared-monitoring` (offsets into `network.shared`). */
const SHARED_HOST: Record<SharedComponent, number> = {
  proxy: 2,
  'nginx-exporter': 3,
  prometheus: 4,
  alertmanager: 5,
  grafana: 6,
  loki: 7,
  alloy: 8,
  'node-exporter': 9,
  cadvisor: 10,
};

/**
 * A shared component's fixed address on `shared-monitoring`. Components that also sit on the
 * projects' edge networks (Prometheus) listen only here, so no project can reach their admin API.
 */
export function sharedAddress(spec: Spec, component: SharedComponent): string {
  return spec.network.shared.address(SHARED_HOST[component]);
}

export const SHARED_NETWORK = 'shared-monitoring';

export function internalNetwork(project: string): string {
  return `${project}-internal`;
}

export function edgeNetwork(project: string): string {
  return `${project}-edge`;
}

/** `<project>-<key>`: `shop-web-1`, `shop-db`, `shop-db-exporter`. */
export function containerName(project: string, key: string): string {
  return `${project}-${key}`;
}

/** The DNS name every replica of a service answers to on its project's networks: the service name. */
export function serviceHost(service: Service): string {
  return service.name;
}

/** The name the shared proxy and Prometheus use on the edge network, where projects meet: `<project>-<service>`. */
export function edgeHost(project: string, service: string): string {
  return `${project}-${service}`;
}

/** A named volume: `<project>-<service>-<name>`; data services keep theirs as `<project>-<service>-data`. */
export function volumeName(project: string, service: string, name: string): string {
  return `${project}-${service}-${name}`;
}

export function sharedVolume(component: string): string {
  return `${SHARED}-${component}-data`;
}

export function labelsFor(
  spec: Spec,
  project: string,
  service: string,
  slot?: ContainerSlot,
): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.environment]: spec.environment,
    [LABEL.project]: project,
    [LABEL.service]: service,
  };
  if (slot) labels[LABEL.role] = slot.role;
  return labels;
}

export function projectOf(spec: Spec, name: string): Project {
  const p = spec.projects.find((x) => x.name === name);
  if (!p) throw new Error(`no project ${name}`);
  return p;
}
