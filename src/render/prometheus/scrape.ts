import { hasExporter } from '../../plan/index.ts';
import type { Spec } from '../../spec/index.ts';
import { edgeHost, SERVICE_PORTS, SHARED_PORTS, sharedContainer } from '../topology.ts';

type Job = Record<string, unknown>;

const labelsRelabel = (labels: Record<string, string>) =>
  Object.entries(labels).map(([target_label, replacement]) => ({ target_label, replacement }));

function staticJob(name: string, target: string, labels: Record<string, string>, extra: Job = {}): Job {
  return { job_name: name, ...extra, static_configs: [{ targets: [target], labels }] };
}

/**
 * Scrape jobs: every app with metrics (each replica found through Docker's DNS, so replicas come
 * and go without a reload), workers with metrics, the exporters, the shared stack and the control plane.
 */
export function scrapeConfigs(spec: Spec): Job[] {
  const env = spec.environment;
  const m = spec.shared.monitoring;
  const shared = (service: string) => ({ environment: env, project: 'shared', service });
  const jobs: Job[] = [staticJob('prometheus', `localhost:${SHARED_PORTS.prometheus}`, shared('prometheus'))];
  if (m.alertmanager !== false)
    jobs.push(
      staticJob(
        'alertmanager',
        `${sharedContainer('alertmanager')}:${SHARED_PORTS.alertmanager}`,
        shared('alertmanager'),
      ),
    );
  jobs.push(
    staticJob('proxy', `${sharedContainer('nginx-exporter')}:${SHARED_PORTS.proxyExporter}`, shared('proxy')),
  );
  if (m.nodeExporter)
    jobs.push(
      staticJob(
        'node',
        `${sharedContainer('node-exporter')}:${SHARED_PORTS.nodeExporter}`,
        shared('node-exporter'),
      ),
    );
  if (m.cadvisor)
    jobs.push(
      staticJob('cadvisor', `${sharedContainer('cadvisor')}:${SHARED_PORTS.cadvisor}`, shared('cadvisor')),
    );
  jobs.push(staticJob('stagecraft', 'host.docker.internal:9300', shared('stagecraft')));
  for (const p of spec.projects) {
    for (const s of p.services) {
      const labels = { environment: env, project: p.name, service: s.name };
      if (s.type === 'app' && s.metrics && s.replicas > 0) {
        jobs.push({
          job_name: `${p.name}-${s.name}`,
          metrics_path: s.metrics.path,
          dns_sd_configs: [
            {
              names: [edgeHost(p.name, s.name)],
              type: 'A',
              port: s.metrics.port ?? s.port,
              refresh_interval: '15s',
            },
          ],
          relabel_configs: labelsRelabel(labels),
        });
      } else if (s.type === 'worker' && s.metrics && s.replicas > 0) {
        jobs.push({
          job_name: `${p.name}-${s.name}`,
          metrics_path: s.metrics.path,
          dns_sd_configs: [
            { names: [edgeHost(p.name, s.name)], type: 'A', port: s.metrics.port, refresh_interval: '15s' },
          ],
          relabel_configs: labelsRelabel(labels),
        });
      }
      if (hasExporter(s) && s.replicas > 0) {
        const port = s.type === 'postgres' ? SERVICE_PORTS.postgresExporter : SERVICE_PORTS.redisExporter;
        jobs.push(
          staticJob(`${p.name}-${s.name}-exporter`, `${edgeHost(p.name, s.name)}-exporter:${port}`, labels),
        );
      }
    }
  }
  return jobs;
}
