import { previewProjectName, publicUrl, type Spec, withoutPreviews, withPreviews } from '../../spec/index.ts';
import type { PreviewRecord } from '../../state/index.ts';

/** One preview as `preview list --json` prints it (README, "Previews"). */
export interface PreviewRow {
  project: string;
  name: string;
  url: string;
  createdAt: string;
  expiresAt: string;
  /** Service → image, for each service of the project: the preview's own, or the project's. */
  images: Record<string, string>;
}

/** The recorded previews with their URLs and the images they run; one of a project gone from the spec has no URL. */
export function previewRows(spec: Spec, records: readonly PreviewRecord[]): PreviewRow[] {
  const derived = withPreviews(withoutPreviews(spec), records);
  return records.map((r) => {
    const project = derived.projects.find((p) => p.name === previewProjectName(r.project, r.name));
    const images: Record<string, string> = {};
    for (const s of project?.services ?? []) if (s.image) images[s.name] = s.image;
    return {
      project: r.project,
      name: r.name,
      url: project ? publicUrl(spec, project.domain) : '',
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      images: { ...images, ...r.images },
    };
  });
}
