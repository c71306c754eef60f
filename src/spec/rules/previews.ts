import { type Diagnostic, diagnostic } from '../diagnostic.ts';
import type { Spec } from '../model.ts';

/** `previews.data: from-backup` needs a backup to start from. */
export function checkPreviews(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of spec.projects) {
    if (p.previewOf || p.previews.max === 0 || p.previews.data !== 'from-backup') continue;
    if (!p.services.some((s) => s.type === 'postgres' && s.backup))
      out.push(diagnostic('SC0711', ['projects', p.name, 'previews', 'data'], { project: p.name }));
  }
  return out;
}
