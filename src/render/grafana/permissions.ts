import type { Spec } from '../../spec/index.ts';

/** Grafana's folder permission levels, as its HTTP API numbers them. */
const LEVEL = {
  viewer: { permission: 1, name: 'View' },
  editor: { permission: 2, name: 'Edit' },
  admin: { permission: 4, name: 'Admin' },
} as const;

/**
 * Who may see and edit each project's folder, from `projects.<p>.access` (group → role). Grafana's
 * file provisioning cannot express team or folder permissions (only its HTTP API can), so this is
 * the desired state for whoever applies it through `POST /api/folders/<uid>/permissions`: one
 * entry per folder (named after the project, as `foldersFromFilesStructure` names it), one item
 * per team. Null when no project grants access.
 */
export function folderPermissionsDoc(spec: Spec) {
  const folders = spec.projects
    .filter((p) => Object.keys(p.access).length > 0)
    .map((p) => ({
      folder: p.name,
      permissions: Object.entries(p.access)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([team, role]) => ({ team, role, permission: LEVEL[role].permission, level: LEVEL[role].name })),
    }))
    .sort((a, b) => (a.folder < b.folder ? -1 : 1));
  if (!folders.length) return null;
  return {
    $comment:
      'Rendered by stagecraft. Grafana does not read this file: file provisioning has no folder permissions. ' +
      'Apply it with the HTTP API (POST /api/folders/<uid>/permissions, teams looked up by name).',
    folders,
  };
}
