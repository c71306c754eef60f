/**
 * Text from the spec shown on a terminal: C0 and C1 control characters (escape sequences, NUL,
 * carriage returns, newlines) and the bidirectional overrides that reorder what a reader sees
 * are written as `\xNN` or `\uNNNN`. Backslashes are left alone so that escaping twice changes
 * nothing.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

export function hasControl(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}
