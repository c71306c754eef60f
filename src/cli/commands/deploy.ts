import type { Command } from 'commander';
import { actorOf, deployImages, UnknownService } from '../../ops/deploy-images.ts';
import { reportAnalyses } from '../analysis-output.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { progressFor } from '../progress.ts';
import { openRunningEnvironment } from '../running-environment.ts';
import { WAIT_FLAG, WAIT_HELP, waitMs } from '../wait-option.ts';

/** `--image SERVICE=REF`, repeatable. */
export function collectImage(value: string, previous: Record<string, string>): Record<string, string> {
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
      const running = await openRunningEnvironment(specPath(undefined, globals, io.cwd), globals, io);
      try {
        const actor = actorOf(io.env);
        const progress = progressFor(io.stderr, io.errStyle.dim);
        const r = await deployImages({
          spec: running.spec,
          plan: running.plan,
          store: running.store,
          secrets: running.secrets,
          serverDir: running.serverDir,
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
        reportAnalyses(r.up.analyses, io);
        const images = Object.entries(r.release.images)
          .map(([s, i]) => `${s}=${i}`)
          .join(' ');
        io.out(
          `${io.style.green('✓')} ${name} deployed by ${actor} (${images}); release ${r.release.id}, ${r.up.touched.length} containers changed`,
        );
      } finally {
        await running.close();
      }
    });
}
