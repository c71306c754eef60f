import { secretUses } from '../plan/index.ts';
import type { Spec } from '../spec/index.ts';
import type { SecretStore } from '../state/index.ts';

/** A secret name as `secrets list` shows it: whether a value is stored, and what in the spec uses it. Never the value. */
export interface SecretRow {
  project: string;
  name: string;
  set: boolean;
  usedBy: string[];
}

/**
 * The stored secrets and those the spec names (none when it does not load), of one project or
 * all, sorted by project and name.
 */
export async function secretRows(
  store: SecretStore,
  spec: Spec | undefined,
  project: string | undefined,
): Promise<SecretRow[]> {
  const stored = await store.list(project);
  const uses = spec ? secretUses(spec).filter((u) => !project || u.project === project) : [];
  const rows = new Map<string, SecretRow>();
  for (const s of stored)
    rows.set(`${s.project}/${s.name}`, { project: s.project, name: s.name, set: true, usedBy: [] });
  for (const u of uses) {
    const key = `${u.project}/${u.name}`;
    const row = rows.get(key) ?? { project: u.project, name: u.name, set: false, usedBy: [] };
    row.usedBy.push(u.user);
    rows.set(key, row);
  }
  return [...rows.values()].sort(
    (a, b) => a.project.localeCompare(b.project) || a.name.localeCompare(b.name),
  );
}
