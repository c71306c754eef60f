import type { Project, Service } from '../spec/index.ts';

/** One container the plan expects: a replica of a service, or an exporter beside a data service. */
export interface ContainerSlot {
  /** Unique within the project: `web-1`, `db`, `db-exporter`. */
  key: string;
  service: string;
  role: 'service' | 'exporter';
  /** On the project's edge network, where the proxy reaches it: apps. */
  onEdge: boolean;
  /** On the project's metrics network, where Prometheus scrapes it: apps and workers with metrics, exporters. */
  onMetrics: boolean;
}

/** The project's containers in a stable order. Cron jobs get one slot: at most one run at a time. */
export function containerSlots(project: Project): ContainerSlot[] {
  const slots: ContainerSlot[] = [];
  for (const s of project.services) {
    const count = s.type === 'cron' ? 1 : s.replicas;
    const onEdge = s.type === 'app';
    const onMetrics = metricsPort(s) !== undefined;
    if (count <= 1 && s.type !== 'app' && s.type !== 'worker') {
      slots.push({ key: s.name, service: s.name, role: 'service', onEdge, onMetrics });
    } else {
      for (let i = 1; i <= Math.max(count, 1); i++)
        slots.push({ key: `${s.name}-${i}`, service: s.name, role: 'service', onEdge, onMetrics });
    }
    if (hasExporter(s))
      slots.push({
        key: `${s.name}-exporter`,
        service: s.name,
        role: 'exporter',
        onEdge: false,
        onMetrics: true,
      });
  }
  return slots;
}

export function hasExporter(s: Service): boolean {
  return (s.type === 'postgres' || s.type === 'redis') && s.exporter;
}

/** Services that get a host port: apps (the proxy's direct listener) and data services. */
export function needsPort(s: Service): s is Service & { type: 'app' | 'postgres' | 'redis' | 'rabbitmq' } {
  return s.type === 'app' || s.type === 'postgres' || s.type === 'redis' || s.type === 'rabbitmq';
}

/** Where Prometheus scrapes a service itself: an app's metrics (its own port by default, unless `metrics: false`), a worker's when it has them. */
export function metricsPort(s: Service): number | undefined {
  if (s.type === 'app') return s.metrics === false ? undefined : (s.metrics?.port ?? s.port);
  if (s.type === 'worker') return s.metrics?.port;
  return undefined;
}
