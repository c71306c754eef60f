import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { restoreBackup } from '../../ops/backup/restore.ts';
import { findBackup } from '../backup-records.ts';
import { projectNamed } from '../context.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { openRunningEnvironment } from '../running-environment.ts';

export function registerRestore(program: Command, io: Io): void {
  program
    .command('restore')
    .description('restore a backup into the live database: writers stop, a safety backup is taken first')
    .argument('<project>', 'the project')
    .requiredOption('--from <id>', 'the backup to restore (see stagecraft backups)')
    .option('--yes', 'do not ask (required when not on a terminal)')
    .action(async (name: string, options: { from: string; yes?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const running = await openRunningEnvironment(specPath(undefined, globals, io.cwd), globals, io);
      try {
        const project = projectNamed(running.spec, name);
        const backup = findBackup(await running.store.listBackups(name), options.from, name);
        if (!options.yes) {
          if (!io.stdin.isTTY)
            throw new InvalidInput(
              `restore replaces the data of ${name}/${backup.service} with ${backup.id}; add --yes to confirm when not on a terminal`,
            );
          const answer = await ask(
            io,
            `Replace the data of ${name}/${backup.service} with ${backup.id}? [y/N] `,
          );
          if (!/^y(es)?$/i.test(answer.trim())) throw new OperationFailed('restore cancelled');
        }
        const r = await restoreBackup(running, project, backup, (line) => io.err(io.errStyle.dim(line)));
        io.out(
          `${io.style.green('✓')} restored ${backup.id} into ${name}/${backup.service}; the data it replaced is in ${r.safety.id}`,
        );
        if (r.mismatch) io.out(io.style.yellow(`note: after the restore, ${r.mismatch}`));
      } finally {
        await running.close();
      }
    });
}

/** A question on the terminal (only asked when standard input is one). */
async function ask(io: Io, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
