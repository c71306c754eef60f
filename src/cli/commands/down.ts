import type { Command } from 'commander';
import { down } from '../../ops/down.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { openRunningEnvironment } from '../running-environment.ts';
import { WAIT_FLAG, WAIT_HELP, waitMs } from '../wait-option.ts';

export function registerDown(program: Command, io: Io): void {
  program
    .command('down')
    .description(
      'stop and remove the containers this spec describes; data volumes stay unless --volumes; what else carries the environment’s label is left',
    )
    .argument('[project]', 'only this project')
    .option('--volumes', 'also delete the data volumes')
    .option(WAIT_FLAG, WAIT_HELP)
    .action(async (project: string | undefined, options: { volumes?: boolean; wait?: string }) => {
      const wait = waitMs(options.wait);
      const globals = program.opts<GlobalOptions>();
      const env = await openRunningEnvironment(specPath(undefined, globals, io.cwd), globals, io);
      try {
        const removed = await down(env.docker, env.spec, env.plan, {
          project,
          volumes: options.volumes,
          waitMs: wait,
          log: (line) => io.err(io.errStyle.dim(line)),
        });
        for (const l of removed.left) io.out(`left: ${l}`);
        io.out(
          `${io.style.green('✓')} removed ${removed.containers} containers${options.volumes ? ` and ${removed.volumes} volumes` : '; data volumes kept (--volumes deletes them)'}`,
        );
      } finally {
        await env.close();
      }
    });
}
