import { randomUUID } from 'node:crypto';
import { LABEL, type Stack } from '../model/index.ts';
import type { ReleaseRecord, StateStore } from '../state/index.ts';
import { recordedStack } from './recorded-stack.ts';
import { serviceDigests } from './release-digests.ts';
import { hashOf } from './up.ts';

/** Service name → image, read from what was deployed (one entry per service, replicas folded). */
export function deployedImages(stack: Stack): Record<string, string> {
  const images: Record<string, string> = {};
  for (const c of stack.containers) {
    if (c.labels[LABEL.role] !== 'service') continue;
    const service = c.labels[LABEL.service];
    if (service) images[service] = c.image;
  }
  return images;
}

/** Records one release of a project: what was deployed (its stack) and how it went. */
export async function recordRelease(
  store: StateStore,
  project: string,
  stack: Stack,
  outcome: { failed?: string; reason?: string; digests?: ReadonlyMap<string, string>; actor?: string },
): Promise<ReleaseRecord> {
  const images = deployedImages(stack);
  const release: ReleaseRecord = {
    id: randomUUID(),
    project,
    createdAt: new Date().toISOString(),
    status: outcome.failed ? 'failed' : 'succeeded',
    specHash: hashOf(JSON.stringify(stack)),
    images,
    reason: outcome.failed ?? outcome.reason ?? null,
    config: stack,
    ...(outcome.digests ? { digests: serviceDigests(images, outcome.digests) } : {}),
    ...(outcome.actor ? { actor: outcome.actor } : {}),
  };
  await store.addRelease(release);
  return release;
}

/**
 * What `rollback` goes back to: `current` is the newest succeeded release (what runs now, since a
 * failed release leaves the previous one serving); `target` the newest succeeded one before it
 * that deployed something different, with the stack it recorded. Releases rolled back from are
 * skipped, so repeated rollbacks walk further back.
 */
export function rollbackTarget(
  releases: readonly ReleaseRecord[],
): { current: ReleaseRecord; target: ReleaseRecord; stack: Stack } | { reason: string } {
  const good = releases.filter((r) => r.status === 'succeeded' && r.config);
  const current = good.at(-1);
  if (!current) return { reason: 'no successful release with a recorded configuration yet' };
  const target = good.filter((r) => r !== current && r.specHash !== current.specHash).at(-1);
  if (!target) return { reason: 'no earlier successful release that differs from the one running' };
  const stack = recordedStack(target.config);
  if (!stack)
    return {
      reason: `the release ${target.id} was recorded by an earlier stagecraft, in a form this one cannot redeploy`,
    };
  return { current, target, stack };
}
