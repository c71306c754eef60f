import { parseArgs } from 'node:util';
import { serverDirFor, stateLocation, upRecordPath } from '../ops/locations.ts';
import { upIfUnchanged } from '../ops/up-unchanged.ts';
import { EXIT_OK } from './errors.ts';
import type { Io } from './io.ts';
import { type GlobalOptions, specPath } from './locations.ts';
import { checkLines, convergedLine } from './up-output.ts';

/**
 * A no-op `up`, answered before commander and the rest of the CLI are loaded (ops/up-unchanged.ts
 * says when). Undefined for any other command line, and whenever the full `up` has to run.
 */
export async function alreadyConvergedByRecord(argv: readonly string[], io: Io): Promise<number | undefined> {
  const started = Date.now();
  const args = upArguments(argv);
  if (!args) return undefined;
  try {
    const path = specPath(args.spec, args.globals, io.cwd);
    const location = stateLocation(path, args.globals, io);
    const recordPath = upRecordPath(location);
    if (!recordPath || !('path' in location)) return undefined;
    const unchanged = await upIfUnchanged({
      specPath: path,
      statePath: location.path,
      recordPath,
      serverDir: serverDirFor(path, args.globals, io),
      env: io.env,
      project: args.project,
    });
    if (!unchanged) return undefined;
    for (const w of unchanged.warnings) io.err(io.errStyle.yellow(w));
    for (const line of checkLines(unchanged.checks, io.style)) io.out(line);
    io.out(convergedLine(((Date.now() - started) / 1000).toFixed(1), 0, 0, io.style));
    return EXIT_OK;
  } catch {
    return undefined;
  }
}

/** `up [SPEC] [--project P]` with the global `--spec` and `--state` anywhere; undefined for anything else. */
export function upArguments(
  argv: readonly string[],
): { spec: string | undefined; project: string | undefined; globals: GlobalOptions } | undefined {
  try {
    const { values, positionals, tokens } = parseArgs({
      args: [...argv],
      options: { spec: { type: 'string' }, state: { type: 'string' }, project: { type: 'string' } },
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
    if (positionals[0] !== 'up' || positionals.length > 2) return undefined;
    const command = tokens.find((t) => t.kind === 'positional')!.index;
    if (tokens.some((t) => t.kind === 'option' && t.name === 'project' && t.index < command))
      return undefined;
    return {
      spec: positionals[1],
      project: values.project,
      globals: {
        ...(values.spec !== undefined ? { spec: values.spec } : {}),
        ...(values.state !== undefined ? { state: values.state } : {}),
      },
    };
  } catch {
    return undefined;
  }
}
