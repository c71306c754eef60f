import { LABEL, type Stack } from '../model/index.ts';
import { repositoryOf } from '../render/image-ref.ts';

/** Service → digest, from service → image and image → digest (services whose image has none are left out). */
export function serviceDigests(
  images: Readonly<Record<string, string>>,
  digests: ReadonlyMap<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [service, image] of Object.entries(images)) {
    const digest = digests.get(image);
    if (digest) out[service] = digest;
  }
  return out;
}

/**
 * A recorded release's stack with the containers of each service on the exact image it ran
 * (`repo@sha256:…` from a registry, or the image ID of a local build), wherever its tag points
 * now. Exporters and other containers on another image keep theirs.
 */
export function pinnedToDigests(
  stack: Stack,
  images: Readonly<Record<string, string>>,
  digests: Readonly<Record<string, string>>,
): Stack {
  const containers = stack.containers.map((c) => {
    const service = c.labels[LABEL.service] ?? '';
    const digest = digests[service];
    return digest && c.image === images[service] ? { ...c, image: digest } : c;
  });
  return { ...stack, containers };
}

/** What the engine holds under `image`: its RepoDigest in that repository, else its image ID. */
export function digestOf(image: string, have: { id: string; repoDigests: readonly string[] }): string {
  const repository = repositoryOf(image);
  return have.repoDigests.find((d) => d.startsWith(`${repository}@`)) ?? have.id;
}
