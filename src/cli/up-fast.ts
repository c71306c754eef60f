import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { listOwnedOnSocket } from '../drivers/docker/socket.ts';
import { readyWhileStarting } from '../drivers/readiness.ts';
import { isConverged } from '../ops/converged.ts';
import { checkTargets, routeFailures } from '../ops/route-checks.ts';
import { inputsKey, readUpRecord, unchangedSince } from '../ops/up-record.ts';
import { openStore } from '../state/store.ts';
import { EXIT_OK } from './errors.ts';
import type { Io } from './io.ts';
import { type GlobalOptions, serverDirFor, specPath, stateLocation, upRecordPath } from './locations.ts';
import { checkLines, convergedLine } from './up-output.ts';

/**
 * `up` when nothing changed since the last converged `up`: same spec text, variables, allocations,
 * secret files, layout files and stagecraft, every container as it was wanted, every route
 * answering. It loads none of the schema, planner, renderers or engine client, which is what
 * makes a no-op `up` fast. Undefined whenever it cannot tell for sure, or something is to do:
 * then the full `up` runs (and says why things fail).
 */
export async function alreadyConvergedByRecord(argv: readonly string[], io: Io): Promise<number | undefined> {
  const started = Date.now();
  const args = upArguments(argv);
  if (!args) return undefined;
  try {
    const path = specPath(args.spec, args.globals);
    const location = stateLocation(path, args.globals, io.env);
    const recordPath = upRecordPath(location);
    const record = recordPath ? readUpRecord(recordPath) : undefined;
    if (!record || !('path' in location)) return undefined;
    if (args.project && !record.projects.includes(args.project)) return undefined;
    const serverDir = serverDirFor(path, args.globals, io.env);
    if (!unchangedSince('', record.inputFiles) || !unchangedSince(serverDir, record.layout)) return undefined;
    const inScope = (project: string) => !args.project || project === args.project;
    // The engine and the routes are asked at once; the answers count only if the inputs match.
    // A route is tried once: one that fails sends the full `up` to find out why.
    const owned = listOwnedOnSocket(record.host, io.env, record.environment);
    const checks = checkTargets(
      record.routes.filter((r) => inScope(r.project)),
      1,
    );
    const store = await openStore({ path: location.path });
    try {
      const key = inputsKey({
        specPath: path,
        specText: readFileSync(path, 'utf8'),
        env: io.env,
        envNames: record.envNames,
        serverDir,
        allocations: await store.loadAllocations(),
      });
      const running = await owned;
      if (key !== record.key || !running) return undefined;
      const ready = await readyWhileStarting(running);
      const answered = await checks;
      if (!isConverged(record.wanted, running, args.project, ready)) return undefined;
      if (routeFailures(answered).length) return undefined;
      for (const w of record.warnings) io.err(io.errStyle.yellow(w));
      for (const project of record.projects.filter(inScope))
        await store.addEvent({
          project,
          kind: 'up',
          message: 'converged',
          data: { touched: [], unchanged: true },
        });
      for (const line of checkLines(answered, io.style)) io.out(line);
      io.out(convergedLine(((Date.now() - started) / 1000).toFixed(1), 0, 0, io.style));
      return EXIT_OK;
    } finally {
      await store.close();
    }
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
