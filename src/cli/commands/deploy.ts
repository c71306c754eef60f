import type { Command } from 'commander';
import { actorOf, deployImages, UnknownService } from '../../ops/deploy-images.ts';
import { serverDirFor } from '../../ops/locations.ts';
import { rowsToRecorded } from '../../plan/index.ts';
import { loadOrExit } from '../context.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';
import { progressFor } from '../progress.ts';
import { openSecrets, openState } from '../state.ts';
import { WAIT_FLAG, WAIT_HELP, waitMs } from '../wait-option.ts';

/** `--image SERVICE=REF`, repeatable. */
function collectImage(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1)
    throw new InvalidInput(`--image ${value}: write SERVICE=IMAGE, such as web=ghcr.io/acme/shop-web:2.1`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function registerDeploy(program: Command, io: Io): void {
  program
    .command('deploy')
    .description('a new release of one project (images overridden, the rest as the spec says)')
    .argument('<project>', 'the project')
    .option('--image <service=ref>', 'run this image for the service (repeatable)', collectImage, {})
    .option(WAIT_FLAG, WAIT_HELP)
    .action(async (name: string, options: { image: Record<string, string>; wait?: string }) => {
      const wait = waitMs(options.wait);
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals, io.cwd);
      const loaded = loadOrExit(path, io);
      const store = await openState(path, globals, io);
      const secrets = await openSecrets(path, globals, io);
      try {
        const { plan, diagnostics } = await planFromState(loaded, {
          recorded: rowsToRecorded(await store.loadAllocations()),
          secretNames: await secrets.list(),
        });
        reportDiagnostics(diagnostics, io, displayPath(path, io.cwd));
        const actor = actorOf(io.env);
        const progress = progressFor(io.stderr, io.errStyle.dim);
        const r = await deployImages({
          spec: loaded.spec,
          plan,
          diagnostics,
          store,
          secrets,
          serverDir: serverDirFor(path, globals, io),
          project: name,
          images: options.image,
          actor,
          env: io.env,
          waitMs: wait,
          log: (line) => progress.step(line),
        }).catch((e) => {
          throw e instanceof UnknownService ? new InvalidInput(e.message) : e;
        });
        progress.done();
        for (const w of r.up.warnings) io.err(io.errStyle.yellow(`warning: ${w}`));
        if (r.failed)
          throw new OperationFailed(
            `deploy of ${name} failed, the running release keeps serving: ${r.failed}`,
          );
        const images = Object.entries(r.release.images)
          .map(([s, i]) => `${s}=${i}`)
          .join(' ');
        io.out(
          `${io.style.green('✓')} ${name} deployed by ${actor} (${images}); release ${r.release.id}, ${r.up.touched.length} containers changed`,
        );
      } finally {
        await secrets.close();
        await store.close();
      }
    });
}
