import type { Command } from 'commander';
import { backedUpServices } from '../../ops/backup/dump.ts';
import { backupProject } from '../../ops/backup/run.ts';
import { formatBytes } from '../backup-records.ts';
import { projectNamed } from '../context.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { openRunningEnvironment } from '../running-environment.ts';

export function registerBackup(program: Command, io: Io): void {
  program
    .command('backup')
    .description('back up the project’s PostgreSQL services now (pg_dump, custom format), then prune')
    .argument('<project>', 'the project')
    .option('--service <name>', 'only this database')
    .action(async (name: string, options: { service?: string }) => {
      const globals = program.opts<GlobalOptions>();
      const running = await openRunningEnvironment(specPath(undefined, globals, io.cwd), globals, io);
      try {
        const project = projectNamed(running.spec, name);
        const services = backedUpServices(project).filter(
          (s) => !options.service || s.name === options.service,
        );
        if (!services.length)
          throw new InvalidInput(
            `${name}${options.service ? `/${options.service}` : ''} has no PostgreSQL service with backups`,
          );
        const r = await backupProject(running, project, {
          ...(options.service ? { service: options.service } : {}),
        });
        for (const b of r.taken) io.out(`${io.style.green('✓')} ${b.id}  ${formatBytes(b.bytes)}  ${b.path}`);
        for (const url of r.remote.uploaded)
          io.out(`${io.style.green('✓')} copied to ${url} (checksum checked)`);
        for (const b of r.pruned) io.out(io.style.dim(`pruned ${b.id}`));
        for (const key of r.remote.pruned) io.out(io.style.dim(`pruned remote ${key}`));
        const failures = r.failures.map((f) => `${name}/${f.service}: ${f.reason}`);
        if (failures.length) throw new OperationFailed(failures.join('\n'));
      } finally {
        await running.close();
      }
    });
}
