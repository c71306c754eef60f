import {
  CONTROL_PLANE_PORT,
  containerName,
  edgeHost,
  SERVICE_PORTS,
  SHARED,
  SHARED_PORTS,
  type SharedComponent,
  sharedAddress,
  sharedContainer,
} from '../../model/index.ts';
import { containerSlots, hasExporter, metricsPort } from '../../plan/index.ts';
import type { Project, Service } from '../../spec/index.ts';
import { CADVISOR_PROJECT, CADVISOR_SERVICE } from '../cadvisor-labels.ts';
import type { RenderContext } from '../context.ts';

export type ScrapeJob = Record<string, unknown>;

/**
 * The stagecraft control plane (`stagecraft serve`), a process on the host, through the proxy's
 * listener on its shared-network address, which passes Prometheus alone on to serve's socket.
 */
export function controlPlaneTarget(spec: RenderContext['spec']): string {
  return `${sharedAddress(spec, 'proxy')}:${CONTROL_PLANE_PORT}`;
}

/** A service Prometheus finds through Docker's DNS (every replica answers to `<project>-<service>`). */
export interface DiscoveredService {
  job: string;
  project: string;
  service: string;
}

/** Apps with metrics and workers with metrics: found by DNS, so replicas come and go without a reload. */
export function discoveredServices(projects: readonly Project[]): DiscoveredService[] {
  return projects.flatMap((p) =>
    p.services
      .filter((s) => metricsPort(s) !== undefined && s.replicas > 0)
      .map((s) => ({ job: edgeHost(p.name, s.name), project: p.name, service: s.name })),
  );
}

function metricsPath(s: Service): string {
  return (s.type === 'app' || s.type === 'worker') && s.metrics ? s.metrics.path : '/metrics';
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function staticJob(
  name: string,
  target: string,
  labels: Record<string, string>,
  extra: ScrapeJob = {},
): ScrapeJob {
  return { job_name: name, ...extra, static_configs: [{ targets: [target], labels }] };
}

/**
 * Scrape jobs: the shared stack (what runs of it), the control plane, and per project every app
 * and worker with metrics and every exporter, each labelled with environment, project and service.
 */
export function scrapeConfigs(ctx: RenderContext, running: ReadonlySet<SharedComponent>): ScrapeJob[] {
  const { spec } = ctx;
  const shared = (service: string) => ({ environment: spec.environment, project: SHARED, service });
  const at = (c: SharedComponent, port: number) => `${sharedContainer(c)}:${port}`;
  const jobs: ScrapeJob[] = [
    staticJob(
      'prometheus',
      `${sharedAddress(spec, 'prometheus')}:${SHARED_PORTS.prometheus}`,
      shared('prometheus'),
    ),
  ];
  if (running.has('alertmanager'))
    jobs.push(
      staticJob('alertmanager', at('alertmanager', SHARED_PORTS.alertmanager), shared('alertmanager')),
    );
  if (running.has('nginx-exporter'))
    jobs.push(staticJob('proxy', at('nginx-exporter', SHARED_PORTS.proxyExporter), shared('proxy')));
  if (running.has('proxy-metrics'))
    // Its series name the project and service the proxy answered for: keep those labels.
    jobs.push(
      staticJob('proxy-requests', at('proxy-metrics', SHARED_PORTS.proxyMetrics), shared('proxy-metrics'), {
        honor_labels: true,
      }),
    );
  if (running.has('node-exporter'))
    jobs.push(staticJob('node', at('node-exporter', SHARED_PORTS.nodeExporter), shared('node-exporter')));
  if (running.has('cadvisor'))
    jobs.push(
      staticJob('cadvisor', at('cadvisor', SHARED_PORTS.cadvisor), shared('cadvisor'), {
        // A container's series belong to its project and service, not to cAdvisor's.
        metric_relabel_configs: [
          { source_labels: [CADVISOR_PROJECT], regex: '(.+)', target_label: 'project' },
          { source_labels: [CADVISOR_SERVICE], regex: '(.+)', target_label: 'service' },
        ],
      }),
    );
  if (running.has('grafana'))
    jobs.push(staticJob('grafana', at('grafana', SHARED_PORTS.grafana), shared('grafana')));
  if (running.has('loki')) jobs.push(staticJob('loki', at('loki', SHARED_PORTS.loki), shared('loki')));
  if (running.has('alloy')) jobs.push(staticJob('alloy', at('alloy', SHARED_PORTS.alloy), shared('alloy')));
  // Its series name the project and service they are about (a backup, a cron run): keep those labels.
  jobs.push(staticJob('stagecraft', controlPlaneTarget(spec), shared('stagecraft'), { honor_labels: true }));

  for (const p of spec.projects) {
    for (const s of p.services) {
      const labels = { environment: spec.environment, project: p.name, service: s.name };
      const port = metricsPort(s);
      if (port !== undefined && s.replicas > 0) jobs.push(discoveredJob(ctx, p, s, port, labels));
      if (hasExporter(s) && s.replicas > 0) {
        const exporterPort =
          s.type === 'postgres' ? SERVICE_PORTS.postgresExporter : SERVICE_PORTS.redisExporter;
        jobs.push(
          staticJob(
            `${edgeHost(p.name, s.name)}-exporter`,
            `${edgeHost(p.name, s.name)}-exporter:${exporterPort}`,
            {
              ...labels,
              replica: containerName(p.name, `${s.name}-exporter`),
            },
          ),
        );
      }
    }
  }
  return jobs;
}

/**
 * Every replica answers to `<project>-<service>` on the project's metrics network, so an A lookup
 * lists them all. Each target gets a `replica` label: the container's name when the plan gave it
 * a fixed address, its address otherwise.
 */
function discoveredJob(
  ctx: RenderContext,
  p: Project,
  s: Service,
  port: number,
  labels: Record<string, string>,
): ScrapeJob {
  const fixed = ctx.plan.allocations[p.name]?.metricsAddresses ?? {};
  const replicas = containerSlots(p)
    .filter((slot) => slot.service === s.name && slot.role === 'service' && fixed[slot.key])
    .map((slot) => ({
      source_labels: ['__address__'],
      regex: `${escapeRegex(fixed[slot.key]!)}:\\d+`,
      target_label: 'replica',
      replacement: containerName(p.name, slot.key),
    }));
  return {
    job_name: edgeHost(p.name, s.name),
    metrics_path: metricsPath(s),
    dns_sd_configs: [{ names: [edgeHost(p.name, s.name)], type: 'A', port, refresh_interval: '15s' }],
    relabel_configs: [
      ...Object.entries(labels).map(([target_label, replacement]) => ({ target_label, replacement })),
      { source_labels: ['__address__'], regex: '(.+):\\d+', target_label: 'replica' },
      ...replicas,
    ],
  };
}
