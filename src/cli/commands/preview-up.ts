import type { Command } from 'commander';
import { actorOf } from '../../ops/deploy-images.ts';
import { serverDirFor } from '../../ops/locations.ts';
import { launchPreview, previewSecretNames } from '../../ops/previews/launch.ts';
import { InvalidPreview, preparePreview } from '../../ops/previews/prepare.ts';
import { rowsToRecorded } from '../../plan/index.ts';
import { Duration } from '../../spec/index.ts';
import { loadOrExit } from '../context.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';
import { progressFor } from '../progress.ts';
import { openSecrets, openState } from '../state.ts';
import { checkLines } from '../up-output.ts';
import { WAIT_FLAG, WAIT_HELP, waitMs } from '../wait-option.ts';
import { collectImage } from './deploy.ts';

const TTL_MIN = Duration.minutes(1);
const TTL_MAX = Duration.days(365);

export function registerPreviewUp(group: Command, program: Command, io: Io): void {
  group
    .command('up')
    .description('run (or deploy into, renewing its TTL) a copy of the project named <project>--<name>')
    .argument('<project>', 'the project to copy')
    .argument('<name>', 'the preview name, or a branch name (feat/login becomes feat-login)')
    .option('--image <service=ref>', 'run this image for the service (repeatable)', collectImage, {})
    .option('--ttl <duration>', "how long it lives from now (default: the project's previews.ttl)")
    .option(WAIT_FLAG, WAIT_HELP)
    .action(
      async (
        project: string,
        name: string,
        options: { image: Record<string, string>; ttl?: string; wait?: string },
      ) => {
        const wait = waitMs(options.wait);
        const ttl = options.ttl === undefined ? undefined : parseTtl(options.ttl);
        const globals = program.opts<GlobalOptions>();
        const path = specPath(undefined, globals, io.cwd);
        const loaded = loadOrExit(path, io);
        const store = await openState(path, globals, io);
        const secrets = await openSecrets(path, globals, io);
        try {
          const prepared = await preparePreview(loaded.spec, store, {
            project,
            name,
            images: options.image,
            ttl,
          }).catch((e) => {
            throw e instanceof InvalidPreview ? new InvalidInput(e.message) : e;
          });
          // Its secrets are generated when it starts: none is missing.
          const generated = previewSecretNames(prepared).map((n) => ({
            project: prepared.preview.name,
            name: n,
          }));
          const { plan, diagnostics } = await planFromState(
            { ...loaded, spec: prepared.spec },
            {
              recorded: rowsToRecorded(await store.loadAllocations()),
              secretNames: [...(await secrets.list()), ...generated],
            },
          );
          reportDiagnostics(diagnostics, io, displayPath(path, io.cwd));
          const progress = progressFor(io.stderr, io.errStyle.dim);
          const r = await launchPreview({
            prepared,
            plan,
            diagnostics,
            store,
            secrets,
            serverDir: serverDirFor(path, globals, io),
            env: io.env,
            log: (line) => progress.step(line),
            waitMs: wait,
          });
          progress.done();
          for (const w of r.warnings) io.err(io.errStyle.yellow(`warning: ${w}`));
          for (const line of checkLines(r.up.checks, io.style)) io.out(line);
          const { record, preview } = prepared;
          if (r.up.failed.length)
            throw new OperationFailed(r.up.failed.map((f) => `${f.project}: ${f.reason}`).join('\n'));
          const from = r.restored.length ? `, data from ${r.restored.map((b) => b.id).join(', ')}` : '';
          io.out(
            `${io.style.green('✓')} preview ${record.name} of ${record.project} ${prepared.renewed ? 'renewed' : 'up'} at ${r.url} (project ${preview.name}${from}); expires ${record.expiresAt}; by ${actorOf(io.env)}`,
          );
        } finally {
          await secrets.close();
          await store.close();
        }
      },
    );
}

function parseTtl(text: string): Duration {
  const d = Duration.parse(text);
  if (!d.ok) throw new InvalidInput(`--ttl ${text}: ${d.message}; write a duration such as 2h or 3d`);
  const ms = d.value.toMilliseconds();
  if (ms < TTL_MIN.toMilliseconds() || ms > TTL_MAX.toMilliseconds())
    throw new InvalidInput(`--ttl ${text}: give a duration from ${TTL_MIN} to ${TTL_MAX}`);
  return d.value;
}
