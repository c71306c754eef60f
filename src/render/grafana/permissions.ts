import type { Spec } from '../../spec/index.ts';
import { tenantOf } from '../loki/index.ts';
import { lokiDatasource, PROMETHEUS } from './datasources.ts';
import { matcher } from './selectors.ts';

/** Grafana's folder permission levels, as its HTTP API numbers them. */
const LEVEL = {
  viewer: { permission: 1, name: 'View' },
  editor: { permission: 2, name: 'Edit' },
  admin: { permission: 4, name: 'Admin' },
} as const;

/**
 * Who may see and edit each project's folder, from `projects.<p>.access` (group → role). Grafana's
 * file provisioning cannot express team or folder permissions (only its HTTP API can), so this is
 * the desired state for whoever applies it through `POST /api/teams` and
 * `POST /api/folders/<uid>/permissions`: the teams with their members (from `teams:`), and one
 * entry per folder (named after the project, as `foldersFromFilesStructure` names it) with one
 * item per team and the datasources that hold only the project's data: its Loki tenant's
 * datasource (Loki keeps tenants apart by `X-Scope-OrgID`) and Prometheus under the project's
 * label matcher, which every query of the project's dashboard carries. Null when no project
 * grants access.
 */
export function folderPermissionsDoc(spec: Spec) {
  const folders = spec.projects
    .filter((p) => Object.keys(p.access).length > 0)
    .map((p) => ({
      folder: p.name,
      permissions: Object.entries(p.access)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([team, role]) => ({ team, role, permission: LEVEL[role].permission, level: LEVEL[role].name })),
      datasources: {
        ...(spec.shared.monitoring.loki !== false
          ? { loki: { uid: lokiDatasource(tenantOf(p.name)).uid, tenant: tenantOf(p.name) } }
          : {}),
        ...(spec.shared.monitoring.prometheus !== false
          ? { prometheus: { uid: PROMETHEUS.uid, matcher: matcher('project', '=', p.name) } }
          : {}),
      },
    }))
    .sort((a, b) => (a.folder < b.folder ? -1 : 1));
  if (!folders.length) return null;
  const named = [...new Set(folders.flatMap((f) => f.permissions.map((x) => x.team)))].sort();
  const teams = named.map((name) => ({ name, members: [...(spec.teams[name] ?? [])].sort() }));
  return {
    $comment:
      'Rendered by stagecraft. Grafana does not read this file: file provisioning has no folder permissions. ' +
      'Apply it with the HTTP API: the teams with their members (POST /api/teams, /api/teams/<id>/members), ' +
      'then each folder’s permissions (POST /api/folders/<uid>/permissions, teams looked up by name).',
    teams,
    folders,
  };
}
