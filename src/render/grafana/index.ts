import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { toYaml } from '../yaml.ts';
import { applicationDashboard } from './application.ts';
import { datasourcesDoc } from './datasources.ts';
import { infrastructureDashboard } from './infrastructure.ts';
import { folderPermissionsDoc } from './permissions.ts';
import { dashboardProviderDoc } from './provider.ts';

/** Grafana: provisioning (datasources, the dashboard provider), dashboards, settings and folder access. */
export { type DatasourceRef, lokiDatasource, PROMETHEUS } from './datasources.ts';
export { DASHBOARDS_DIR } from './provider.ts';
export { ADMIN_PASSWORD_FILE, ADMIN_PASSWORD_SECRET, grafanaEnvironment } from './settings.ts';
export { stableUid } from './uid.ts';

const HEADER = '# Rendered by stagecraft. Edit staging.yaml, not this file.\n';
const json = (x: unknown) => JSON.stringify(x, null, 2);

/**
 * `shared/grafana/`: `provisioning/datasources/datasources.yml`, `provisioning/dashboards/dashboards.yml`,
 * `dashboards/shared/infrastructure.json`, `dashboards/<project>/application.json` per project, and
 * `folder-permissions.json` when a project grants access. Nothing when `monitoring.grafana` is false.
 */
export function renderGrafana(ctx: RenderContext): Artifact[] {
  const { spec } = ctx;
  if (spec.shared.monitoring.grafana === false) return [];
  const permissions = folderPermissionsDoc(spec);
  return [
    file('shared/grafana/provisioning/datasources/datasources.yml', HEADER + toYaml(datasourcesDoc(spec))),
    file('shared/grafana/provisioning/dashboards/dashboards.yml', HEADER + toYaml(dashboardProviderDoc())),
    file('shared/grafana/dashboards/shared/infrastructure.json', json(infrastructureDashboard(spec))),
    ...[...spec.projects]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((p) =>
        file(`shared/grafana/dashboards/${p.name}/application.json`, json(applicationDashboard(spec, p))),
      ),
    ...(permissions ? [file('shared/grafana/folder-permissions.json', json(permissions))] : []),
  ];
}
