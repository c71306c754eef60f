import { createHash } from 'node:crypto';

/** Grafana's limit on a dashboard or datasource uid. */
const MAX_UID = 40;
const HASH = 10;

/**
 * A uid derived from a name alone, so re-rendering keeps links and bookmarks: a readable slug
 * of the name and a short hash of it (two names that slug alike still differ), at most 40 chars.
 */
export function stableUid(name: string): string {
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH);
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_UID - HASH - 1)
    .replace(/^-+|-+$/g, '');
  return slug ? `${slug}-${hash}` : hash;
}
