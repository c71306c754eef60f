import type { Command } from 'commander';
import { down } from '../../ops/down.ts';
import { connectEngine } from '../../ops/engine-connection.ts';
import { loadOrExit } from '../context.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';

export function registerDown(program: Command, io: Io): void {
  program
    .command('down')
    .description('stop and remove the environment’s containers; data volumes stay unless --volumes')
    .argument('[project]', 'only this project')
    .option('--volumes', 'also delete the data volumes')
    .action(async (project: string | undefined, options: { volumes?: boolean }) => {
      const spec = loadOrExit(specPath(undefined, program.opts<GlobalOptions>(), io.cwd), io).spec;
      const docker = await connectEngine(spec.server.host, io.env);
      const removed = await down(docker, spec, { project, volumes: options.volumes });
      io.out(
        `${io.style.green('✓')} removed ${removed.containers} containers${options.volumes ? ` and ${removed.volumes} volumes` : '; data volumes kept (--volumes deletes them)'}`,
      );
    });
}
