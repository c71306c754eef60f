import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
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
import type { Style } from './style.ts';

export interface GlobalOptions {
  spec?: string;
  state?: string;
}

/** The spec path: the command's argument, then --spec, then ./staging.yaml. */
export function specPath(argument: string | undefined, options: GlobalOptions, cwd = process.cwd()): string {
  const chosen = argument ?? options.spec ?? 'staging.yaml';
  const full = resolve(cwd, chosen);
  if (!existsSync(full)) {
    throw new InvalidInput(
      `${chosen}: no such spec file${argument || options.spec ? '' : ' (stagecraft reads ./staging.yaml unless given a path)'}; try examples/demo/staging.yaml`,
    );
  }
  return full;
}

/** The path as the user should see it in `file:line:col` messages. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const r = relative(cwd, path);
  return r.startsWith('..') ? path : r;
}

export function stateDir(spec: string): string {
  return resolve(dirname(spec), '.stagecraft');
}

/** Loads the spec; on errors prints them all and throws InvalidInput (exit 2). Returns warnings too. */
export function loadOrExit(
  path: string,
  style: Style,
  err: (line: string) => void,
): LoadResult & { spec: Spec } {
  const result = loadSpecFile(displayPath(path), process.env);
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

export { place };
