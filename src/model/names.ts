import type { Spec } from '../spec/index.ts';

/** Object names every target agrees on (architecture.md, "Names"). */

export const SHARED = 'shared';

/** The shared stack's components, each one container `shared-<component>`. */
export type SharedComponent =
  | 'proxy'
  | 'nginx-exporter'
  | 'prometheus'
  | 'alertmanager'
  | 'grafana'
  | 'loki'
  | 'alloy'
  | 'node-exporter'
  | 'cadvisor'
  | 'proxy-metrics'
  | 'registry';

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
  'proxy-metrics': 11,
  registry: 12,
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

/** Where Prometheus meets what it scrapes of one project: its apps' and workers' metrics and its exporters. */
export function metricsNetwork(project: string): string {
  return `${project}-metrics`;
}

/** `<project>-<key>`: `shop-web-1`, `shop-db`, `shop-db-exporter`. */
export function containerName(project: string, key: string): string {
  return `${project}-${key}`;
}

/** The name the shared proxy (on the edge network) and Prometheus (on the metrics network) use for a service: `<project>-<service>`. */
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

/** Where a container finds a secret file it is given: `/run/secrets/<name>`. */
export function secretPath(name: string): string {
  return `/run/secrets/${name}`;
}
