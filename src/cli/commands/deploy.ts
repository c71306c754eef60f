import type { Command } from 'commander';
import { actorOf, deploy, withImages } from '../../ops/deploy.ts';
import { type GlobalOptions, specPath } from '../context.ts';
import { openEnvironment, projectNamed } from '../environment.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { progressFor } from '../progress.ts';

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
    .action(async (name: string, options: { image: Record<string, string> }) => {
      const globals = program.opts<GlobalOptions>();
      const env = await openEnvironment(specPath(undefined, globals), globals, io);
      try {
        const project = projectNamed(env.spec, name);
        const wanted = withImages(env.spec, name, options.image);
        if ('problems' in wanted) throw new InvalidInput(wanted.problems.join('\n'));
        const actor = actorOf(io.env);
        const progress = progressFor(io.stderr, io.errStyle.dim);
        const r = await deploy(env, project, wanted.spec, actor, (line) => progress.step(line));
        progress.done();
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
        await env.close();
      }
    });
}
