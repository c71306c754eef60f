import { type Repeating, repeatEvery } from '../repeat.ts';
import { type Removed, type RemoveOptions, removePreview } from './remove.ts';

/** How often `serve` looks for expired previews. */
export const EXPIRY_CHECK_MS = 60_000;

/** How long an expiry waits for another operation's engine lock before trying at the next check. */
const LOCK_WAIT_MS = 120_000;

export type ExpiryOptions = Omit<RemoveOptions, 'reason' | 'actor'>;

/**
 * Removes every preview whose expiry is at or before `now`, with its volumes, each recorded as a
 * `preview` event. One that fails is logged and left for the next check.
 */
export async function expirePreviews(opts: ExpiryOptions, now = new Date()): Promise<Removed[]> {
  const due = (await opts.store.listPreviews()).filter((p) => Date.parse(p.expiresAt) <= now.getTime());
  const removed: Removed[] = [];
  for (const preview of due) {
    try {
      opts.log(`preview ${preview.name} of ${preview.project} expired at ${preview.expiresAt}: removing it`);
      removed.push(await removePreview({ waitMs: LOCK_WAIT_MS, ...opts, reason: 'expired' }, preview));
    } catch (e) {
      opts.log(
        `could not remove the expired preview ${preview.name} of ${preview.project}: ${(e as Error).message}`,
      );
    }
  }
  return removed;
}

/** `serve`'s expiry loop: at start, then every `everyMs`. */
export function startPreviewExpiry(opts: ExpiryOptions, everyMs = EXPIRY_CHECK_MS): Repeating {
  return repeatEvery(
    () => expirePreviews(opts),
    everyMs,
    (e) => opts.log(`preview expiry failed: ${e.message}`),
  );
}
