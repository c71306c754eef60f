import {
  type Duration,
  type Project,
  previewName,
  previewProjectName,
  type Spec,
  withoutPreviews,
  withPreviews,
} from '../../spec/index.ts';
import type { PreviewRecord, StateStore } from '../../state/index.ts';
import { OperationFailed } from '../failure.ts';

/** The preview asked for cannot be: a bad name, an unknown project or service (exit 2). */
export class InvalidPreview extends Error {}

/** The project has `previews.max` previews already (exit 1). */
export class TooManyPreviews extends OperationFailed {}

export interface PreviewRequest {
  project: string;
  /** As given: a branch name is turned into a preview name (`feat/login` → `feat-login`). */
  name: string;
  /** Service → image, over those of an earlier `preview up` of the same preview. */
  images: Record<string, string>;
  /** Instead of the project's `previews.ttl`. */
  ttl?: Duration | undefined;
  now?: Date;
}

export interface PreparedPreview {
  record: PreviewRecord;
  /** The spec's projects and every preview, this one with its new images. */
  spec: Spec;
  /** The preview as a project (`shop--feat-login`). */
  preview: Project;
  /** The project it copies. */
  source: Project;
  /** A second `preview up` of a preview that exists: it deploys into it and renews its TTL. */
  renewed: boolean;
}

/**
 * Checks a `preview up` against the spec and the recorded previews, and makes what it will run:
 * the preview's record (its TTL restarted) and the spec with it. Nothing is written.
 */
export async function preparePreview(
  spec: Spec,
  store: StateStore,
  request: PreviewRequest,
): Promise<PreparedPreview> {
  const fileSpec = withoutPreviews(spec);
  const own = fileSpec.projects.filter((p) => !p.previewOf);
  const source = own.find((p) => p.name === request.project);
  if (!source)
    throw new InvalidPreview(
      `no project ${request.project} in the spec; the projects are ${own.map((p) => p.name).join(', ')}`,
    );
  const checked = previewName(request.name, source);
  if (!checked.ok) throw new InvalidPreview(`${checked.message} (${checked.hint})`);
  const name = checked.name;
  const projectName = previewProjectName(source.name, name);
  if (fileSpec.projects.some((p) => p.name === projectName))
    throw new InvalidPreview(
      `preview ${name} of ${source.name} would be named ${projectName}, a project of the spec`,
    );
  for (const service of Object.keys(request.images))
    if (!source.services.some((s) => s.name === service))
      throw new InvalidPreview(
        `--image ${service}=…: ${source.name} has no service ${service}; its services are ${source.services.map((s) => s.name).join(', ')}`,
      );

  const recorded = await store.listPreviews();
  const siblings = recorded.filter((p) => p.project === source.name);
  const existing = siblings.find((p) => p.name === name);
  if (!existing && siblings.length >= source.previews.max)
    throw new TooManyPreviews(
      source.previews.max === 0
        ? `project ${source.name} has previews.max: 0 (no previews)`
        : `project ${source.name} has ${siblings.length} preview${siblings.length === 1 ? '' : 's'}, as many as its previews.max (${source.previews.max}): ${siblings.map((p) => p.name).join(', ')}; remove one with stagecraft preview down ${source.name} NAME`,
    );

  const now = request.now ?? new Date();
  const ttl = request.ttl ?? source.previews.ttl;
  const record: PreviewRecord = {
    project: source.name,
    name,
    images: { ...existing?.images, ...request.images },
    createdAt: existing?.createdAt ?? now.toISOString(),
    expiresAt: new Date(now.getTime() + ttl.toMilliseconds()).toISOString(),
  };
  const others = recorded.filter((p) => !(p.project === source.name && p.name === name));
  const withIt = withPreviews(fileSpec, [...others, record]);
  const preview = withIt.projects.find((p) => p.name === projectName)!;
  return { record, spec: withIt, preview, source, renewed: existing !== undefined };
}
