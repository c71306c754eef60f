import { randomBytes } from 'node:crypto';

export interface GenerateOptions {
  /** Characters; default 32. */
  length?: number;
  /** The characters to draw from, each at most once; default letters and digits. */
  alphabet?: string;
}

/** Letters and digits only: generated values go into URLs and env files without escaping. */
export const DEFAULT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const DEFAULT_LENGTH = 32;

/** The alphabet as characters, after checking the options. */
export function checkGenerateOptions(opts: GenerateOptions = {}): { length: number; alphabet: string[] } {
  const length = opts.length ?? DEFAULT_LENGTH;
  if (!Number.isSafeInteger(length) || length < 1 || length > 4096)
    throw new RangeError(`a generated secret's length must be a whole number from 1 to 4096, not ${length}`);
  const alphabet = Array.from(opts.alphabet ?? DEFAULT_ALPHABET);
  if (alphabet.length < 2 || alphabet.length > 256)
    throw new RangeError(`a generated secret's alphabet needs 2 to 256 characters, not ${alphabet.length}`);
  if (new Set(alphabet).size !== alphabet.length)
    throw new RangeError("a generated secret's alphabet repeats a character, which would make it likelier");
  if (alphabet.includes('\0'))
    throw new RangeError("a generated secret's alphabet cannot hold a NUL character");
  return { length, alphabet };
}

/** A random text from `crypto.randomBytes`, every character of the alphabet equally likely. */
export function generateValue(opts: GenerateOptions = {}): string {
  const { length, alphabet } = checkGenerateOptions(opts);
  const n = alphabet.length;
  // Rejection sampling: bytes at or above the largest multiple of n would favour the first characters.
  const limit = 256 - (256 % n);
  let out = '';
  let count = 0;
  while (count < length) {
    for (const byte of randomBytes(Math.ceil(((length - count) * 256) / limit) + 8)) {
      if (byte >= limit) continue;
      out += alphabet[byte % n];
      if (++count === length) break;
    }
  }
  return out;
}
