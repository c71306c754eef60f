import type { Command } from 'commander';
import { age, formatBytes } from '../backup-records.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { openState } from '../state.ts';
import { table } from '../style.ts';

export function registerBackups(program: Command, io: Io): void {
  program
    .command('backups')
    .description('the backups taken, with size, age and verification')
    .argument('[project]', 'only this project')
    .option('--json', 'print JSON')
    .action(async (project: string | undefined, options: { json?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const store = await openState(specPath(undefined, globals, io.cwd), globals, io);
      try {
        const list = (await store.listBackups(project)).reverse();
        if (options.json)
          return io.out(
            JSON.stringify(
              list.map((b) => ({
                id: b.id,
                project: b.project,
                service: b.service,
                path: b.path,
                bytes: b.bytes,
                createdAt: b.createdAt,
                verified: b.verified,
                verifiedAt: b.verifiedAt,
                sha256: b.sha256,
                remote: b.remote,
              })),
              null,
              2,
            ),
          );
        if (!list.length) return io.out(`no backups${project ? ` of ${project}` : ''} yet`);
        io.out(
          table([
            ['ID', 'SIZE', 'AGE', 'VERIFIED', 'REMOTE'],
            ...list.map((b) => [
              b.id,
              formatBytes(b.bytes),
              age(b.createdAt),
              b.verified ? `${b.verified} (${age(b.verifiedAt ?? b.createdAt)})` : '-',
              b.remote ? 'yes' : '-',
            ]),
          ]),
        );
      } finally {
        await store.close();
      }
    });
}
