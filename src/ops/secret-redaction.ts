import type { SecretStore } from '../state/index.ts';

/** What a secret value is replaced with in a line the control plane passes on. */
export const REDACTED = '[secret]';

/**
 * Values shorter than this are left alone: replacing every `1` or `on` in a log would make it
 * unreadable, and a value that short protects nothing.
 */
const SHORTEST_REDACTED = 4;

/**
 * A function that replaces every secret value of the project and of the shared stack (as set, and
 * URL-encoded as in a `DATABASE_URL`) in a line. A container may print its environment: the API's
 * log stream passes every line through this before it leaves the server.
 */
export async function secretRedactor(
  secrets: SecretStore,
  project: string,
): Promise<(line: string) => string> {
  const values = new Set<string>();
  for (const ref of [...(await secrets.list(project)), ...(await secrets.list('shared'))]) {
    const value = await secrets.get(ref.project, ref.name);
    if (value === undefined || value.length < SHORTEST_REDACTED) continue;
    values.add(value);
    values.add(encodeURIComponent(value));
  }
  // Longest first, so a value that contains another is replaced whole.
  const ordered = [...values].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const v of ordered) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  };
}
