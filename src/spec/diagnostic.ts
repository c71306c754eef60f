/** A problem found in the user's input: collected, never thrown (style.md, pattern 4). */
export type Path = readonly (string | number)[];

export interface Diagnostic {
  code: string;
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

export function error(code: string, path: Path, message: string, hint?: string): Diagnostic {
  return hint === undefined
    ? { code, severity: 'error', path, message }
    : { code, severity: 'error', path, message, hint };
}

export function warning(code: string, path: Path, message: string, hint?: string): Diagnostic {
  return hint === undefined
    ? { code, severity: 'warning', path, message }
    : { code, severity: 'warning', path, message, hint };
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

/** `file:line:col: message`, the hint on the next line; the form editors and terminals link. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}:${d.line ?? 1}:${d.column ?? 1}: ` : '';
  const level = d.severity === 'warning' ? 'warning: ' : '';
  const head = `${where}${level}${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || a.code.localeCompare(b.code),
  );
}
