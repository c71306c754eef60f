import type { Command } from 'commander';
import { NothingToRollBack, rollback } from '../../ops/rollback.ts';
import { projectNamed } from '../context.ts';
import { OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { progressFor } from '../progress.ts';
import { openRunningEnvironment } from '../running-environment.ts';
import { WAIT_FLAG, WAIT_HELP, waitMs } from '../wait-option.ts';

export function registerRollback(program: Command, io: Io): void {
  program
    .command('rollback')
    .description(
      'redeploy the project’s previous successful release (images and configuration); data is untouched',
    )
    .argument('<project>', 'the project')
    .option(WAIT_FLAG, WAIT_HELP)
    .action(async (name: string, options: { wait?: string }) => {
      const wait = waitMs(options.wait);
      const globals = program.opts<GlobalOptions>();
      const running = await openRunningEnvironment(specPath(undefined, globals, io.cwd), globals, io);
      try {
        const project = projectNamed(running.spec, name);
        const progress = progressFor(io.stderr, io.errStyle.dim);
        const r = await rollback(running, project, (line) => progress.step(line), wait).catch((e) => {
          throw e instanceof NothingToRollBack ? new OperationFailed(e.message) : e;
        });
        progress.done();
        if (r.failed)
          throw new OperationFailed(
            `rollback of ${name} failed, the running release keeps serving: ${r.failed}`,
          );
        const images = Object.entries(r.to.images)
          .map(([s, i]) => `${s}=${i}`)
          .join(' ');
        io.out(
          `${io.style.green('✓')} ${name} rolled back to the release of ${r.to.createdAt} (${images}); ${r.up.touched.length} containers changed`,
        );
      } finally {
        await running.close();
      }
    });
}
