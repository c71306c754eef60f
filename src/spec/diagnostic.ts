import { CODES, type Code, fill, type Params } from './codes.ts';
import { escapeControl } from './escape.ts';

/** A problem found in the user's input: collected and reported together, never thrown (as the TypeScript compiler's Diagnostic). */
export type Path = readonly (string | number)[];

export interface Diagnostic {
  code: Code;
  severity: 'error' | 'warning';
  path: Path;
  message: string;
  hint?: string;
  /** Point at the key of `path` rather than its value (unknown keys, duplicate names). */
  atKey?: boolean;
  file?: string;
  line?: number;
  column?: number;
}

type ParamsArg<C extends Code> = keyof Params<C> extends never ? [] : [params: Params<C>];

/** The diagnostic `code` stands for, its message and hint filled from `params` (codes.ts). */
export function diagnostic<C extends Code>(code: C, path: Path, ...args: ParamsArg<C>): Diagnostic {
  const entry = CODES[code];
  const params: Record<string, string | number> = args[0] ?? {};
  const message = fill(entry.message, params);
  const hint = 'hint' in entry ? fill(entry.hint, params) : '';
  return hint.trim() === ''
    ? { code, severity: entry.severity, path, message }
    : { code, severity: entry.severity, path, message, hint };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/**
 * `file:line:col: error SC0412: message`, the hint on the next line; the form editors and
 * terminals link (`file: error …` for a problem with the file itself). Control characters the spec brought in are shown escaped, never written raw.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const file = d.file ? escapeControl(d.file) : '';
  const where = !file ? '' : d.line === undefined ? `${file}: ` : `${file}:${d.line}:${d.column ?? 1}: `;
  const head = `${where}${d.severity} ${d.code}: ${escapeControl(d.message)}`;
  return d.hint ? `${head}\n  hint: ${escapeControl(d.hint)}` : head;
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || a.code.localeCompare(b.code),
  );
}
