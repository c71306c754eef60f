import { createHash } from 'node:crypto';
import type { Spec } from '../spec/index.ts';
import type { SecretStore } from '../state/index.ts';
import type { SecretDigests } from './parity.ts';

/**
 * SHA-256 of every stored value of the spec's projects and the shared stack, for `parity`. A value
 * lives only inside this function; what leaves it is a digest.
 */
export async function secretDigests(store: SecretStore, spec: Spec): Promise<SecretDigests> {
  const projects = new Set(['shared', ...spec.projects.map((p) => p.name)]);
  const out: Record<string, string> = {};
  for (const ref of await store.list()) {
    if (!projects.has(ref.project)) continue;
    const value = await store.get(ref.project, ref.name);
    if (value === undefined) continue;
    out[`${ref.project}/${ref.name}`] = createHash('sha256').update(value).digest('hex');
  }
  return out;
}
