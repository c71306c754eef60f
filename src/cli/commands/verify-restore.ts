import type { Command } from 'commander';
import { backedUpServices } from '../../ops/backup/dump.ts';
import { verifyRestore } from '../../ops/backup/verify.ts';
import type { BackupRecord } from '../../state/index.ts';
import { findBackup } from '../backup-records.ts';
import { projectNamed } from '../context.ts';
import { OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { openRunningEnvironment } from '../running-environment.ts';

export function registerVerifyRestore(program: Command, io: Io): void {
  program
    .command('verify-restore')
    .description(
      'restore the newest backup (or --from ID) into a scratch database and compare it with its manifest',
    )
    .argument('<project>', 'the project')
    .option('--from <id>', 'this backup instead of the newest of each database')
    .action(async (name: string, options: { from?: string }) => {
      const globals = program.opts<GlobalOptions>();
      const running = await openRunningEnvironment(specPath(undefined, globals, io.cwd), globals, io);
      try {
        const project = projectNamed(running.spec, name);
        const backups = await running.store.listBackups(name);
        const chosen = options.from
          ? [findBackup(backups, options.from, name)]
          : backedUpServices(project)
              .map((s) => backups.filter((b) => b.service === s.name).at(-1))
              .filter((b): b is BackupRecord => !!b);
        if (!chosen.length)
          throw new OperationFailed(`${name} has no backups yet; take one with stagecraft backup ${name}`);
        let failed = 0;
        for (const b of chosen) {
          const v = await verifyRestore(running, project, b);
          if (v.verdict === 'fail') failed++;
          const mark = v.verdict === 'pass' ? io.style.green('✓ pass') : io.style.red('✗ fail');
          io.out(`${mark} ${b.id} in ${v.seconds.toFixed(1)} s: ${v.detail}`);
        }
        if (failed)
          throw new OperationFailed(`${failed} of ${chosen.length} backups did not restore cleanly`);
      } finally {
        await running.close();
      }
    });
}
