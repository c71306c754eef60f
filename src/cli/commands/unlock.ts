import type { Command } from 'commander';
import { lockHolder, removeLock } from '../../drivers/docker/engine-lock.ts';
import { connectEngine } from '../../ops/engine-connection.ts';
import { describeHolder } from '../../ops/engine-lock.ts';
import { loadOrExit } from '../context.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';

export function registerUnlock(program: Command, io: Io): void {
  program
    .command('unlock')
    .description('break the engine’s lock left by an operation that is gone (it names its holder)')
    .action(async () => {
      const spec = loadOrExit(specPath(undefined, program.opts<GlobalOptions>(), io.cwd), io).spec;
      const docker = await connectEngine(spec.server.host, io.env);
      const held = await lockHolder(docker);
      if (!held) {
        io.out('the engine is not locked');
        return;
      }
      await removeLock(docker, held.id);
      io.out(`${io.style.green('✓')} broke the engine lock of ${describeHolder(held.holder)}`);
    });
}
