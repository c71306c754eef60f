import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TAG } from '../../render/index.ts';

/** The `local` image set: each a folder under `images/` built on the debootstrap base. */
export interface Recipe {
  name: string;
  tag: string;
  dir: string;
  files: string[];
  hash: string;
}

export const BASE_TAG = `stagecraft/base:${LOCAL_TAG}`;
export const IMAGES_DIR = join(import.meta.dirname, '..', '..', '..', 'images');

/** Bump to rebuild the base (and so everything on it). */
export const BASE_RECIPE = `debootstrap --variant=minbase ${LOCAL_TAG} v1`;

const TAGS: Record<string, string> = {
  postgresql: 'stagecraft/postgresql:15',
  'demo-app': 'stagecraft/demo-app:1',
};

/** What Debian has no package for, so `images build` says so instead of skipping silently. */
export const NOT_BUILT = [
  { name: 'grafana', why: 'Grafana has no Debian package' },
  {
    name: 'loki',
    why: 'Grafana Loki has no Debian package (Debian’s `loki` is an unrelated genetics program)',
  },
  { name: 'alloy', why: 'Grafana Alloy (the log shipper) has no Debian package; promtail neither' },
  { name: 'cadvisor', why: 'cAdvisor has no Debian package' },
];

export function recipes(dir = IMAGES_DIR): Recipe[] {
  const baseHash = hashText(BASE_RECIPE);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'base')
    .map((e) => {
      const folder = join(dir, e.name);
      const files = readdirSync(folder)
        .filter((f) => !f.startsWith('.'))
        .sort();
      const h = createHash('sha256').update(baseHash);
      for (const f of files) h.update(`\0${f}\0`).update(readFileSync(join(folder, f)));
      return {
        name: e.name,
        tag: TAGS[e.name] ?? `stagecraft/${e.name}:${LOCAL_TAG}`,
        dir: folder,
        files,
        hash: h.digest('hex').slice(0, 16),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
