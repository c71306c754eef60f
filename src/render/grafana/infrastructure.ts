import type { Spec } from '../../spec/index.ts';
import { CADVISOR_PROJECT } from '../cadvisor-labels.ts';
import { SHARED_TENANT } from '../loki/index.ts';
import { type Dashboard, dashboard } from './dashboard.ts';
import { lokiDatasource, PROMETHEUS } from './datasources.ts';
import { ALERT_TABLE, LOG_OPTIONS, PanelGrid } from './panel.ts';
import { matcher } from './selectors.ts';

/** Filesystems that are not disks (the same list the disk alert ignores). */
const NOT_DISKS = matcher('fstype', '!~', 'tmpfs|overlay|squashfs|nsfs|ramfs');

/**
 * `dashboards/shared/infrastructure.json`: the host (node-exporter), containers by project
 * (cAdvisor), the shared proxy (nginx exporter), scrape targets and firing alerts, and the shared
 * stack's own logs. Panels of a component the spec turns off are left out.
 */
export function infrastructureDashboard(spec: Spec): Dashboard {
  const m = spec.shared.monitoring;
  const alerts = spec.shared.alerts;
  const grid = new PanelGrid();

  if (m.prometheus !== false) {
    if (m.nodeExporter) {
      grid
        .add({
          type: 'timeseries',
          title: 'Host CPU',
          datasource: PROMETHEUS,
          queries: [
            {
              expr: `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{${matcher('mode', '=', 'idle')}}[5m])))`,
              legend: 'CPU used',
            },
          ],
          unit: 'percent',
          min: 0,
          max: 100,
          ...(alerts.cpu !== false ? { alertAt: alerts.cpu.above.value } : {}),
        })
        .add({
          type: 'timeseries',
          title: 'Host memory',
          datasource: PROMETHEUS,
          queries: [
            {
              expr: '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)',
              legend: 'memory used',
            },
          ],
          unit: 'percent',
          min: 0,
          max: 100,
          ...(alerts.memory !== false ? { alertAt: alerts.memory.above.value } : {}),
        })
        .add({
          type: 'timeseries',
          title: 'Disk used',
          datasource: PROMETHEUS,
          queries: [
            {
              expr: `100 * (1 - node_filesystem_avail_bytes{${NOT_DISKS}} / node_filesystem_size_bytes{${NOT_DISKS}})`,
              legend: '{{mountpoint}}',
            },
          ],
          unit: 'percent',
          min: 0,
          max: 100,
          ...(alerts.disk !== false ? { alertAt: alerts.disk.above.value } : {}),
        });
    }
    if (m.cadvisor) {
      const ours = matcher(CADVISOR_PROJECT, '!=', '');
      grid
        .add({
          type: 'timeseries',
          title: 'Containers CPU by project (cores)',
          datasource: PROMETHEUS,
          queries: [
            {
              expr: `sum by (${CADVISOR_PROJECT}) (rate(container_cpu_usage_seconds_total{${ours}}[5m]))`,
              legend: `{{${CADVISOR_PROJECT}}}`,
            },
          ],
          unit: 'short',
          min: 0,
        })
        .add({
          type: 'timeseries',
          title: 'Containers memory by project',
          datasource: PROMETHEUS,
          queries: [
            {
              expr: `sum by (${CADVISOR_PROJECT}) (container_memory_working_set_bytes{${ours}})`,
              legend: `{{${CADVISOR_PROJECT}}}`,
            },
          ],
          unit: 'bytes',
          min: 0,
        });
    }
    grid
      .add({
        type: 'timeseries',
        title: 'Proxy connections',
        datasource: PROMETHEUS,
        queries: [{ expr: 'sum(nginx_connections_active)', legend: 'active' }],
        unit: 'short',
        min: 0,
      })
      .add({
        type: 'timeseries',
        title: 'Proxy requests',
        datasource: PROMETHEUS,
        queries: [{ expr: 'sum(rate(nginx_http_requests_total[5m]))', legend: 'requests' }],
        unit: 'reqps',
        min: 0,
      })
      .add({
        type: 'table',
        title: 'Scrape targets down',
        datasource: PROMETHEUS,
        queries: [{ expr: 'up == 0', table: true }],
        ...ALERT_TABLE,
      })
      .add({
        type: 'table',
        title: 'Firing alerts',
        datasource: PROMETHEUS,
        queries: [{ expr: `ALERTS{${matcher('alertstate', '=', 'firing')}}`, table: true }],
        ...ALERT_TABLE,
      });
  }

  if (m.loki !== false) {
    grid.add({
      type: 'logs',
      title: 'Shared stack logs',
      datasource: lokiDatasource(SHARED_TENANT),
      queries: [{ expr: `{${matcher('project', '=', SHARED_TENANT)}}` }],
      wide: true,
      height: 12,
      options: LOG_OPTIONS,
    });
  }

  return dashboard({
    title: 'Shared infrastructure',
    uidName: 'shared infrastructure',
    description: `Rendered by stagecraft from staging.yaml (${spec.environment}); edit the spec, not this dashboard.`,
    tags: [spec.environment, 'shared'],
    panels: grid.done(),
  });
}
