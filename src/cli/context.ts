import {
  type Diagnostic,
  formatDiagnostic,
  hasErrors,
  type LoadResult,
  loadSpecFile,
  place,
  type Spec,
} from '../spec/index.ts';
import { InvalidInput } from './errors.ts';
import { displayPath } from './locations.ts';
import type { Style } from './style.ts';

/** Loads the spec; on errors prints them all and throws InvalidInput (exit 2). Returns warnings too. */
export function loadOrExit(
  path: string,
  style: Style,
  err: (line: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LoadResult & { spec: Spec } {
  const result = loadSpecFile(displayPath(path), env);
  if (!result.spec || hasErrors(result.diagnostics)) {
    printDiagnostics(result.diagnostics, style, err);
    const count = result.diagnostics.filter((d) => d.severity === 'error').length;
    throw new InvalidInput(`${count} error${count === 1 ? '' : 's'} in ${displayPath(path)}`);
  }
  return result as LoadResult & { spec: Spec };
}

export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  style: Style,
  err: (line: string) => void,
): void {
  for (const d of diagnostics) {
    const text = formatDiagnostic(d);
    err(d.severity === 'error' ? style.red(text) : style.yellow(text));
  }
}

export { displayPath, type GlobalOptions, specPath } from './locations.ts';
export { place };
