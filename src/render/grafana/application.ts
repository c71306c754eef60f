import { hasExporter } from '../../plan/index.ts';
import type { Project, Spec } from '../../spec/index.ts';
import { CADVISOR_PROJECT, CADVISOR_SERVICE } from '../cadvisor-labels.ts';
import { type Dashboard, dashboard } from './dashboard.ts';
import { lokiDatasource, PROMETHEUS } from './datasources.ts';
import { ALERT_TABLE, LOG_OPTIONS, PanelGrid } from './panel.ts';
import { matcher, SERVICE_VARIABLE } from './selectors.ts';

/** `service`: every service of the project, several at once or all (`.*`). */
function serviceVariable(p: Project) {
  const names = p.services.map((s) => s.name).sort();
  return {
    type: 'custom',
    name: 'service',
    label: 'Service',
    query: names.join(','),
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [
      { selected: true, text: 'All', value: '$__all' },
      ...names.map((n) => ({ selected: false, text: n, value: n })),
    ],
    hide: 0,
    skipUrlSync: false,
  };
}

/**
 * `dashboards/<project>/application.json`: traffic, errors and latency of the project's apps, its
 * replicas' CPU and memory, its database and cache, its firing alerts and its logs. Alert lines
 * on the graphs sit where the spec's alerts fire.
 */
export function applicationDashboard(spec: Spec, p: Project): Dashboard {
  const m = spec.shared.monitoring;
  const alerts = spec.shared.alerts;
  const project = matcher('project', '=', p.name);
  const sel = `${project},${matcher('service', '=~', SERVICE_VARIABLE)}`;
  const grid = new PanelGrid();

  if (m.prometheus !== false) {
    const requests = (extra = '') => `sum by (service) (rate(http_requests_total{${sel}${extra}}[5m]))`;
    grid
      .add({
        type: 'timeseries',
        title: 'Request rate',
        datasource: PROMETHEUS,
        queries: [{ expr: requests(), legend: '{{service}}' }],
        unit: 'reqps',
        min: 0,
      })
      .add({
        type: 'timeseries',
        title: 'Error rate (5xx share)',
        description: 'Share of responses with a 5xx status.',
        datasource: PROMETHEUS,
        queries: [
          {
            expr: `100 * ${requests(`,${matcher('status', '=~', '5..')}`)} / ${requests()}`,
            legend: '{{service}}',
          },
        ],
        unit: 'percent',
        min: 0,
        ...(alerts.errorRate !== false ? { alertAt: alerts.errorRate.above.value } : {}),
      })
      .add({
        type: 'timeseries',
        title: 'Latency p95',
        datasource: PROMETHEUS,
        queries: [
          {
            expr: `histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{${sel}}[5m])))`,
            legend: '{{service}}',
          },
        ],
        unit: 's',
        min: 0,
        ...(alerts.latencyP95 !== false ? { alertAt: alerts.latencyP95.above.toSeconds() } : {}),
      })
      .add({
        type: 'table',
        title: 'Firing alerts',
        datasource: PROMETHEUS,
        queries: [{ expr: `ALERTS{${matcher('alertstate', '=', 'firing')},${project}}`, table: true }],
        ...ALERT_TABLE,
      });

    if (m.cadvisor) {
      const containers = `${matcher(CADVISOR_PROJECT, '=', p.name)},${matcher(CADVISOR_SERVICE, '=~', SERVICE_VARIABLE)}`;
      grid
        .add({
          type: 'timeseries',
          title: 'Replicas CPU (cores)',
          datasource: PROMETHEUS,
          queries: [
            {
              expr: `sum by (name) (rate(container_cpu_usage_seconds_total{${containers}}[5m]))`,
              legend: '{{name}}',
            },
          ],
          unit: 'short',
          min: 0,
        })
        .add({
          type: 'timeseries',
          title: 'Replicas memory',
          datasource: PROMETHEUS,
          queries: [
            { expr: `sum by (name) (container_memory_working_set_bytes{${containers}})`, legend: '{{name}}' },
          ],
          unit: 'bytes',
          min: 0,
        });
    }

    // Data services are not filtered by $service: an app's page still shows the database it uses.
    if (p.services.some((s) => s.type === 'postgres' && hasExporter(s))) {
      grid.add({
        type: 'timeseries',
        title: 'Database connections',
        datasource: PROMETHEUS,
        queries: [
          {
            expr: `sum by (service, state) (pg_stat_activity_count{${project}})`,
            legend: '{{service}} {{state}}',
          },
        ],
        unit: 'short',
        min: 0,
      });
    }
    if (p.services.some((s) => s.type === 'redis' && hasExporter(s))) {
      grid.add({
        type: 'timeseries',
        title: 'Redis memory',
        datasource: PROMETHEUS,
        queries: [
          { expr: `sum by (service) (redis_memory_used_bytes{${project}})`, legend: '{{service}} used' },
          { expr: `sum by (service) (redis_memory_max_bytes{${project}})`, legend: '{{service}} limit' },
        ],
        unit: 'bytes',
        min: 0,
      });
    }
  }

  if (m.loki !== false) {
    grid.add({
      type: 'logs',
      title: 'Logs',
      datasource: lokiDatasource(p.name),
      queries: [{ expr: `{${sel}}` }],
      wide: true,
      height: 12,
      options: LOG_OPTIONS,
    });
  }

  return dashboard({
    title: `${p.name}: application`,
    uidName: `${p.name} application`,
    description: `Rendered by stagecraft from staging.yaml (${spec.environment}); edit the spec, not this dashboard.`,
    tags: [spec.environment, p.name],
    panels: grid.done(),
    variables: [serviceVariable(p)],
  });
}
