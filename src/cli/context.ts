import {
  type Diagnostic,
  type Env,
  formatDiagnostic,
  hasErrors,
  type LoadResult,
  loadSpecFile,
  type Spec,
} from '../spec/index.ts';
import { InvalidInput } from './errors.ts';
import type { Io } from './io.ts';
import { displayPath } from './locations.ts';
import type { Style } from './style.ts';

/**
 * Loads the spec with the command's variables (`env`: io.env unless the caller watches which are
 * read); on errors prints them all and throws InvalidInput (exit 2). Returns warnings too.
 */
export function loadOrExit(path: string, io: Io, env: Env = io.env): LoadResult & { spec: Spec } {
  const shown = displayPath(path, io.cwd);
  const result = loadSpecFile(path, env, shown);
  if (!result.spec || hasErrors(result.diagnostics)) {
    printDiagnostics(result.diagnostics, io.errStyle, io.err);
    const count = result.diagnostics.filter((d) => d.severity === 'error').length;
    throw new InvalidInput(`${count} error${count === 1 ? '' : 's'} in ${shown}`);
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

/** The project named on the command line, or exit 2 naming the ones there are. */
export function projectNamed(spec: Spec, name: string): Spec['projects'][number] {
  const p = spec.projects.find((x) => x.name === name);
  if (!p)
    throw new InvalidInput(
      `no project ${name} in the spec; the projects are ${spec.projects.map((x) => x.name).join(', ')}`,
    );
  return p;
}
