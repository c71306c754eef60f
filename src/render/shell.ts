/**
 * A value as one POSIX `sh` word: single-quoted, a `'` inside written as `'\''`. Nothing in
 * single quotes is expanded (`$`, backticks, `\`), so the value reaches the command as it is.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
