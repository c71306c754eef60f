import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StateStore, TokenRecord } from '../state/index.ts';

/**
 * API tokens: `sct_<id>_<secret>`, the secret 32 random bytes. The store keeps the id and the
 * SHA-256 of the secret, never the token. A slow password hash (bcrypt, argon2) guards low-entropy
 * passwords against guessing; a 256-bit random secret cannot be guessed, so one SHA-256 is enough,
 * and checking a token on every request stays cheap.
 */
const TOKEN = /^sct_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export interface CreatedToken {
  user: string;
  /** Shown once; nothing can print it again. */
  token: string;
  record: TokenRecord;
}

export async function createToken(store: StateStore, user: string, now = new Date()): Promise<CreatedToken> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const record: TokenRecord = {
    id,
    user,
    hash: sha256(secret).toString('hex'),
    createdAt: now.toISOString(),
    revokedAt: null,
  };
  await store.addToken(record);
  return { user, token: `sct_${id}_${secret}`, record };
}

/** The user a live token belongs to, or null (malformed, unknown, revoked or wrong secret). */
export async function userOfToken(store: StateStore, token: string): Promise<string | null> {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const given = sha256(m[2]!);
  const record = await store.findToken(m[1]!);
  if (!record || record.revokedAt !== null) return null;
  const stored = Buffer.from(record.hash, 'hex');
  // Constant time: how far the hashes agree must not show in how long the answer takes.
  return stored.length === given.length && timingSafeEqual(stored, given) ? record.user : null;
}
