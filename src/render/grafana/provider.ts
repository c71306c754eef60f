/** Where compose mounts `shared/grafana/dashboards` inside the Grafana container. */
export const DASHBOARDS_DIR = '/var/lib/grafana/dashboards';

/**
 * `provisioning/dashboards/dashboards.yml`: one file provider over the dashboards folder. Each
 * subfolder (`shared`, then one per project) becomes a Grafana folder of that name, which is
 * where per-project folder permissions attach.
 */
export function dashboardProviderDoc() {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'stagecraft',
        orgId: 1,
        type: 'file',
        // Rendered dashboards are the source of truth: no deleting or saving over them in the UI.
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: DASHBOARDS_DIR, foldersFromFilesStructure: true },
      },
    ],
  };
}
