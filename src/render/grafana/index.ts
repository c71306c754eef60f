import type { Project, Spec } from '../../spec/index.ts';
import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { SHARED_PORTS, sharedContainer } from '../topology.ts';
import { toYaml } from '../yaml.ts';
import { dashboard, Layout, lokiFor, PROMETHEUS } from './panels.ts';

/**
 * `shared/grafana/`: datasources (Prometheus, one Loki per tenant, Alertmanager), a dashboard
 * provider with a folder per project, an application dashboard per project, and the shared
 * infrastructure dashboard. The admin password comes from a secret file set by compose.
 */
export function renderGrafana(ctx: RenderContext): Artifact[] {
  const { spec } = ctx;
  if (spec.shared.monitoring.grafana === false) return [];
  const out: Artifact[] = [
    file('shared/grafana/provisioning/datasources/datasources.yml', toYaml(datasources(spec))),
    file(
      'shared/grafana/provisioning/dashboards/dashboards.yml',
      toYaml({
        apiVersion: 1,
        providers: [
          {
            name: 'stagecraft',
            type: 'file',
            disableDeletion: true,
            allowUiUpdates: false,
            options: { path: '/var/lib/grafana/dashboards', foldersFromFilesStructure: true },
          },
        ],
      }),
    ),
    file(
      'shared/grafana/dashboards/shared/infrastructure.json',
      JSON.stringify(infrastructure(spec), null, 2),
    ),
  ];
  for (const p of spec.projects) {
    out.push(
      file(
        `shared/grafana/dashboards/${p.name}/application.json`,
        JSON.stringify(application(spec, p), null, 2),
      ),
    );
  }
  return out;
}

function datasources(spec: Spec) {
  const loki = spec.shared.monitoring.loki !== false;
  const tenants = ['shared', ...spec.projects.map((p) => p.name)];
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: PROMETHEUS.uid,
        type: 'prometheus',
        access: 'proxy',
        url: `http://${sharedContainer('prometheus')}:${SHARED_PORTS.prometheus}`,
        isDefault: true,
        editable: false,
      },
      ...(loki
        ? tenants.map((t) => ({
            name: `Loki ${t}`,
            uid: lokiFor(t).uid,
            type: 'loki',
            access: 'proxy',
            url: `http://${sharedContainer('loki')}:${SHARED_PORTS.loki}`,
            editable: false,
            // The tenant is a routing key, not a secret: each project's logs are its own tenant.
            jsonData: { httpHeaderName1: 'X-Scope-OrgID' },
            secureJsonData: { httpHeaderValue1: t },
          }))
        : []),
      ...(spec.shared.monitoring.alertmanager !== false
        ? [
            {
              name: 'Alertmanager',
              uid: 'alertmanager',
              type: 'alertmanager',
              access: 'proxy',
              url: `http://${sharedContainer('alertmanager')}:${SHARED_PORTS.alertmanager}`,
              jsonData: { implementation: 'prometheus' },
              editable: false,
            },
          ]
        : []),
    ],
  };
}

function application(spec: Spec, p: Project) {
  const sel = `project="${p.name}",service=~"$service"`;
  const layout = new Layout()
    .add(
      'timeseries',
      'Request rate',
      PROMETHEUS,
      [[`sum by (service) (rate(http_requests_total{${sel}}[5m]))`, '{{service}}']],
      { unit: 'reqps' },
    )
    .add(
      'timeseries',
      'Errors (5xx share)',
      PROMETHEUS,
      [
        [
          `100 * sum by (service) (rate(http_requests_total{${sel},status=~"5.."}[5m])) / sum by (service) (rate(http_requests_total{${sel}}[5m]))`,
          '{{service}}',
        ],
      ],
      { unit: 'percent' },
    )
    .add(
      'timeseries',
      'Latency p95',
      PROMETHEUS,
      [
        [
          `histogram_quantile(0.95, sum by (le, service) (rate(http_request_duration_seconds_bucket{${sel}}[5m])))`,
          '{{service}}',
        ],
      ],
      { unit: 's' },
    )
    .add(
      'timeseries',
      'Replicas CPU',
      PROMETHEUS,
      [
        [
          `sum by (name) (rate(container_cpu_usage_seconds_total{container_label_io_stagecraft_project="${p.name}"}[5m]))`,
          '{{name}}',
        ],
      ],
      { unit: 'short' },
    )
    .add(
      'timeseries',
      'Replicas memory',
      PROMETHEUS,
      [
        [
          `sum by (name) (container_memory_working_set_bytes{container_label_io_stagecraft_project="${p.name}"})`,
          '{{name}}',
        ],
      ],
      { unit: 'bytes' },
    );
  if (p.services.some((s) => s.type === 'postgres')) {
    layout.add('timeseries', 'Database connections', PROMETHEUS, [
      [`sum by (service, datname) (pg_stat_activity_count{project="${p.name}"})`, '{{service}} {{datname}}'],
    ]);
  }
  if (p.services.some((s) => s.type === 'redis')) {
    layout.add(
      'timeseries',
      'Redis memory',
      PROMETHEUS,
      [[`redis_memory_used_bytes{project="${p.name}"}`, '{{service}}']],
      { unit: 'bytes' },
    );
  }
  if (spec.shared.monitoring.loki !== false) {
    layout.add('logs', 'Logs', lokiFor(p.name), [[`{project="${p.name}",service=~"$service"}`]], {
      wide: true,
      options: { showTime: true, sortOrder: 'Descending' },
    });
  }
  const service = {
    name: 'service',
    type: 'query',
    datasource: PROMETHEUS,
    query: `label_values(up{project="${p.name}"}, service)`,
    refresh: 2,
    includeAll: true,
    multi: true,
    current: { text: 'All', value: '$__all' },
  };
  return dashboard(
    `${p.name}: application`,
    `stagecraft/${spec.environment}/${p.name}/application`,
    layout.done(),
    [service],
  );
}

function infrastructure(spec: Spec) {
  const layout = new Layout()
    .add(
      'timeseries',
      'Host CPU',
      PROMETHEUS,
      [['100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m])))', 'CPU %']],
      { unit: 'percent' },
    )
    .add(
      'timeseries',
      'Host memory',
      PROMETHEUS,
      [['100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)', 'memory %']],
      { unit: 'percent' },
    )
    .add(
      'timeseries',
      'Disk used',
      PROMETHEUS,
      [
        [
          '100 * (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"})',
          '{{mountpoint}}',
        ],
      ],
      { unit: 'percent' },
    )
    .add('timeseries', 'Containers CPU by project', PROMETHEUS, [
      [
        'sum by (container_label_io_stagecraft_project) (rate(container_cpu_usage_seconds_total{container_label_io_stagecraft_project!=""}[5m]))',
        '{{container_label_io_stagecraft_project}}',
      ],
    ])
    .add(
      'timeseries',
      'Containers memory by project',
      PROMETHEUS,
      [
        [
          'sum by (container_label_io_stagecraft_project) (container_memory_working_set_bytes{container_label_io_stagecraft_project!=""})',
          '{{container_label_io_stagecraft_project}}',
        ],
      ],
      { unit: 'bytes' },
    )
    .add('timeseries', 'Proxy', PROMETHEUS, [
      ['nginx_connections_active', 'active connections'],
      ['rate(nginx_http_requests_total[5m])', 'requests/s'],
    ])
    .add('table', 'Firing alerts', PROMETHEUS, [['ALERTS{alertstate="firing"}']], { wide: true });
  return dashboard(
    'Shared infrastructure',
    `stagecraft/${spec.environment}/shared/infrastructure`,
    layout.done(),
  );
}
