import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { deploy, recordingEnv } from '../../ops/deploy.ts';
import { connectEngine } from '../../ops/engine-connection.ts';
import { secretsDirFor, serverDirFor, stateLocation, upRecordPath } from '../../ops/locations.ts';
import { recordedAllocations } from '../../ops/recovered-allocations.ts';
import { rowsToRecorded } from '../../plan/index.ts';
import { reportAnalyses } from '../analysis-output.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';
import { loadWithPreviews } from '../previews.ts';
import { progressFor } from '../progress.ts';
import { openSecrets, openState } from '../state.ts';
import { checkLines, convergedLine } from '../up-output.ts';
import { WAIT_FLAG, WAIT_HELP, waitMs } from '../wait-option.ts';

export function registerUp(program: Command, io: Io): void {
  program
    .command('up')
    .description('converge the server to the spec, phase by phase, with health gates')
    .argument('[spec]', 'the spec file (default ./staging.yaml)')
    .option('--project <name>', 'only this project (and the shared stack)')
    .option(WAIT_FLAG, WAIT_HELP)
    .action(async (arg: string | undefined, options: { project?: string; wait?: string }) => {
      const wait = waitMs(options.wait);
      const globals = program.opts<GlobalOptions>();
      const path = specPath(arg, globals, io.cwd);
      const specEnv = recordingEnv(io.env);
      const loaded = await loadWithPreviews(path, io, globals, specEnv.env);
      // Read only once the loader has found a regular, readable file (a pipe would block here).
      const specText = readFileSync(path, 'utf8');
      const spec = loaded.spec;
      if (options.project && !spec.projects.some((p) => p.name === options.project))
        throw new InvalidInput(`no project ${options.project} in the spec`);
      const store = await openState(path, globals, io);
      const secrets = await openSecrets(path, globals, io);
      const started = Date.now();
      try {
        const fromStore = await recordedAllocations(store, serverDirFor(path, globals, io), {
          docker: () => connectEngine(spec.server.host, io.env),
          environment: spec.environment,
        });
        if (fromStore.recoveredFrom) io.err(recoveredWarning(fromStore.recoveredFrom, io));
        const recorded = rowsToRecorded(fromStore.rows);
        const { plan, diagnostics } = await planFromState(loaded, {
          recorded,
          secretNames: await secrets.list(),
        });
        reportDiagnostics(diagnostics, io, displayPath(path, io.cwd));
        const progress = progressFor(io.stderr, io.errStyle.dim);
        const location = stateLocation(path, globals, io);
        const recordPath = upRecordPath(location);
        const result = await deploy({
          spec,
          plan,
          diagnostics,
          store,
          secrets,
          serverDir: serverDirFor(path, globals, io),
          project: options.project,
          env: io.env,
          waitMs: wait,
          log: (line) => progress.step(line),
          record: recordPath
            ? {
                path: recordPath,
                specPath: path,
                specText,
                envNames: specEnv.read,
                secretsDir: secretsDirFor(path, location),
              }
            : undefined,
        });
        progress.done();
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        for (const w of result.warnings) io.err(io.errStyle.yellow(`warning: ${w}`));
        for (const line of checkLines(result.checks, io.style)) io.out(line);
        if (result.failed.length)
          throw new OperationFailed(result.failed.map((f) => `${f.project}: ${f.reason}`).join('\n'));
        reportAnalyses(result.analyses, io);
        io.out(convergedLine(seconds, result.touched.length, result.removed.length, io.style));
      } finally {
        await secrets.close();
        await store.close();
      }
    });
}

function recoveredWarning(from: string, io: Io): string {
  const where = from.startsWith('/') ? `${displayPath(from, io.cwd)}, as the last up left them` : from;
  return `${io.errStyle.yellow('warning')}: the state database records no allocations (new, or lost): they are taken from ${where}, so the running containers keep their ports`;
}
