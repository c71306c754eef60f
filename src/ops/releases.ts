import { randomUUID } from 'node:crypto';
import type { ComposeDoc } from '../render/compose/project.ts';
import { LABEL } from '../render/index.ts';
import type { ReleaseRecord, StateStore } from '../state/index.ts';
import { serviceDigests } from './release-digests.ts';
import { hashOf } from './up.ts';

/** Service name → image, read from what was deployed (one entry per service, replicas folded). */
export function deployedImages(doc: ComposeDoc): Record<string, string> {
  const images: Record<string, string> = {};
  for (const svc of Object.values(doc.services)) {
    const labels = (svc.labels ?? {}) as Record<string, string>;
    if (labels[LABEL.role] !== 'service') continue;
    const service = labels[LABEL.service];
    if (service) images[service] = String(svc.image);
  }
  return images;
}

/** Records one release of a project: what was deployed (its compose document) and how it went. */
export async function recordRelease(
  store: StateStore,
  project: string,
  doc: ComposeDoc,
  outcome: { failed?: string; reason?: string; digests?: ReadonlyMap<string, string>; actor?: string },
): Promise<ReleaseRecord> {
  const images = deployedImages(doc);
  const release: ReleaseRecord = {
    id: randomUUID(),
    project,
    createdAt: new Date().toISOString(),
    status: outcome.failed ? 'failed' : 'succeeded',
    specHash: hashOf(JSON.stringify(doc)),
    images,
    reason: outcome.failed ?? outcome.reason ?? null,
    config: doc,
    ...(outcome.digests ? { digests: serviceDigests(images, outcome.digests) } : {}),
    ...(outcome.actor ? { actor: outcome.actor } : {}),
  };
  await store.addRelease(release);
  return release;
}

/**
 * What `rollback` goes back to: `current` is the newest succeeded release (what runs now, since a
 * failed release leaves the previous one serving); `target` the newest succeeded one before it
 * that deployed something different. Releases rolled back from are skipped, so repeated rollbacks
 * walk further back.
 */
export function rollbackTarget(
  releases: readonly ReleaseRecord[],
): { current: ReleaseRecord; target: ReleaseRecord } | { reason: string } {
  const good = releases.filter((r) => r.status === 'succeeded' && r.config);
  const current = good.at(-1);
  if (!current) return { reason: 'no successful release with a recorded configuration yet' };
  const target = good.filter((r) => r !== current && r.specHash !== current.specHash).at(-1);
  if (!target) return { reason: 'no earlier successful release that differs from the one running' };
  return { current, target };
}
