import type { SharedComponent } from '../model/index.ts';
import type { Service, Spec } from '../spec/index.ts';
import { underMirror } from './image-ref.ts';

/**
 * Images for the infrastructure stagecraft runs. `registry`: the official images; `local`: the
 * set `stagecraft images build` makes from Debian packages. Some components have no Debian package
 * (Grafana, Loki, Alloy, cAdvisor): in `local` mode they are skipped, with a warning.
 */
const REGISTRY: Record<SharedComponent | 'postgres-exporter' | 'redis-exporter', string> = {
  proxy: 'nginx:1.27',
  'nginx-exporter': 'nginx/nginx-prometheus-exporter:1.4',
  prometheus: 'prom/prometheus:v3.5.0',
  alertmanager: 'prom/alertmanager:v0.28.1',
  grafana: 'grafana/grafana:12.1.0',
  loki: 'grafana/loki:3.5.3',
  alloy: 'grafana/alloy:v1.10.0',
  'node-exporter': 'prom/node-exporter:v1.9.1',
  cadvisor: 'gcr.io/cadvisor/cadvisor:v0.52.1',
  'proxy-metrics': 'ghcr.io/google/mtail:v3.2.26',
  'postgres-exporter': 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
  'redis-exporter': 'oliver006/redis_exporter:v1.74.0',
  registry: 'registry:2.8.3',
};

export const LOCAL_TAG = 'bookworm';

/** Debian has no package for these, so the local image set lacks them. */
export const NOT_IN_DEBIAN: ReadonlySet<SharedComponent> = new Set(['grafana', 'loki', 'alloy', 'cadvisor']);

const LOCAL: Partial<Record<SharedComponent | 'postgres-exporter' | 'redis-exporter', string>> = {
  proxy: `stagecraft/nginx:${LOCAL_TAG}`,
  'nginx-exporter': `stagecraft/nginx-exporter:${LOCAL_TAG}`,
  prometheus: `stagecraft/prometheus:${LOCAL_TAG}`,
  alertmanager: `stagecraft/alertmanager:${LOCAL_TAG}`,
  'node-exporter': `stagecraft/node-exporter:${LOCAL_TAG}`,
  'proxy-metrics': `stagecraft/mtail:${LOCAL_TAG}`,
  'postgres-exporter': `stagecraft/postgres-exporter:${LOCAL_TAG}`,
  'redis-exporter': `stagecraft/redis-exporter:${LOCAL_TAG}`,
  registry: `stagecraft/registry:${LOCAL_TAG}`,
};

export function infraImage(
  spec: Spec,
  component: SharedComponent | 'postgres-exporter' | 'redis-exporter',
): string {
  if (spec.server.images !== 'local') return official(spec, REGISTRY[component]);
  const image = LOCAL[component];
  // `sharedComponents` leaves these out in local mode, with its reason.
  if (!image) throw new Error(`the local image set has no ${component}`);
  return image;
}

/** An official image as this server pulls it: from its registry, or under the mirror prefix. */
function official(spec: Spec, ref: string): string {
  const images = spec.server.images;
  return typeof images === 'object' ? underMirror(images.mirror, ref) : ref;
}

/** The image a service runs: its own, or the default for its type and version. */
export function serviceImage(spec: Spec, s: Service): string {
  if (s.image) return s.image;
  if (s.build) return `${s.project}-${s.name}:build`;
  const local = spec.server.images === 'local';
  switch (s.type) {
    case 'postgres':
      return local ? `stagecraft/postgresql:${s.version}` : official(spec, `postgres:${s.version}`);
    case 'redis':
      return local ? `stagecraft/redis:${LOCAL_TAG}` : official(spec, `redis:${s.version}`);
    case 'rabbitmq':
      return local ? `stagecraft/rabbitmq:${LOCAL_TAG}` : official(spec, `rabbitmq:${s.version}-management`);
    default:
      return `${s.project}-${s.name}:missing`;
  }
}
