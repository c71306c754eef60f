import type { ComposeDoc } from '../render/compose/project.ts';
import { repositoryOf } from '../render/image-ref.ts';
import { LABEL } from '../render/index.ts';

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
 * A recorded release's compose document with the containers of each service on the exact image it
 * ran (`repo@sha256:…` from a registry, or the image ID of a local build), wherever its tag points
 * now. Exporters and other containers on another image keep theirs.
 */
export function pinnedToDigests(
  doc: ComposeDoc,
  images: Readonly<Record<string, string>>,
  digests: Readonly<Record<string, string>>,
): ComposeDoc {
  const services: ComposeDoc['services'] = {};
  for (const [key, svc] of Object.entries(doc.services)) {
    const service = ((svc.labels ?? {}) as Record<string, string>)[LABEL.service] ?? '';
    const digest = digests[service];
    services[key] = digest && svc.image === images[service] ? { ...svc, image: digest } : svc;
  }
  return { ...doc, services };
}

/** What the engine holds under `image`: its RepoDigest in that repository, else its image ID. */
export function digestOf(image: string, have: { id: string; repoDigests: readonly string[] }): string {
  const repository = repositoryOf(image);
  return have.repoDigests.find((d) => d.startsWith(`${repository}@`)) ?? have.id;
}
