import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { backedUpServices } from '../../ops/backup/dump.ts';
import { restoreBackup } from '../../ops/backup/restore.ts';
import { backupProject } from '../../ops/backup/run.ts';
import { verifyRestore } from '../../ops/backup/verify.ts';
import type { BackupRecord, StateStore } from '../../state/index.ts';
import { type GlobalOptions, specPath } from '../context.ts';
import { openEnvironment, projectNamed } from '../environment.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { openState } from '../state.ts';
import { table } from '../style.ts';

export function registerBackup(program: Command, io: Io): void {
  const globals = () => program.opts<GlobalOptions>();

  program
    .command('backup')
    .description('back up the project’s PostgreSQL services now (pg_dump, custom format), then prune')
    .argument('<project>', 'the project')
    .option('--service <name>', 'only this database')
    .action(async (name: string, options: { service?: string }) => {
      const env = await openEnvironment(specPath(undefined, globals()), globals(), io);
      try {
        const project = projectNamed(env.spec, name);
        const services = backedUpServices(project).filter(
          (s) => !options.service || s.name === options.service,
        );
        if (!services.length)
          throw new InvalidInput(
            `${name}${options.service ? `/${options.service}` : ''} has no PostgreSQL service with backups`,
          );
        const r = await backupProject(env, project, {
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
        await env.close();
      }
    });

  program
    .command('backups')
    .description('the backups taken, with size, age and verification')
    .argument('[project]', 'only this project')
    .option('--json', 'print JSON')
    .action(async (project: string | undefined, options: { json?: boolean }) => {
      const store: StateStore = await openState(specPath(undefined, globals()), globals(), io.env);
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

  program
    .command('verify-restore')
    .description(
      'restore the newest backup (or --from ID) into a scratch database and compare it with its manifest',
    )
    .argument('<project>', 'the project')
    .option('--from <id>', 'this backup instead of the newest of each database')
    .action(async (name: string, options: { from?: string }) => {
      const env = await openEnvironment(specPath(undefined, globals()), globals(), io);
      try {
        const project = projectNamed(env.spec, name);
        const backups = await env.store.listBackups(name);
        const chosen = options.from
          ? [findBackup(backups, options.from, name)]
          : backedUpServices(project)
              .map((s) => backups.filter((b) => b.service === s.name).at(-1))
              .filter((b): b is BackupRecord => !!b);
        if (!chosen.length)
          throw new OperationFailed(`${name} has no backups yet; take one with stagecraft backup ${name}`);
        let failed = 0;
        for (const b of chosen) {
          const v = await verifyRestore(env, project, b);
          if (v.verdict === 'fail') failed++;
          const mark = v.verdict === 'pass' ? io.style.green('✓ pass') : io.style.red('✗ fail');
          io.out(`${mark} ${b.id} in ${v.seconds.toFixed(1)} s: ${v.detail}`);
        }
        if (failed)
          throw new OperationFailed(`${failed} of ${chosen.length} backups did not restore cleanly`);
      } finally {
        await env.close();
      }
    });

  program
    .command('restore')
    .description('restore a backup into the live database: writers stop, a safety backup is taken first')
    .argument('<project>', 'the project')
    .requiredOption('--from <id>', 'the backup to restore (see stagecraft backups)')
    .option('--yes', 'do not ask (required when not on a terminal)')
    .action(async (name: string, options: { from: string; yes?: boolean }) => {
      const env = await openEnvironment(specPath(undefined, globals()), globals(), io);
      try {
        const project = projectNamed(env.spec, name);
        const backup = findBackup(await env.store.listBackups(name), options.from, name);
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
        const r = await restoreBackup(env, project, backup, (line) => io.err(io.errStyle.dim(line)));
        io.out(
          `${io.style.green('✓')} restored ${backup.id} into ${name}/${backup.service}; the data it replaced is in ${r.safety.id}`,
        );
        if (r.mismatch) io.out(io.style.yellow(`note: after the restore, ${r.mismatch}`));
      } finally {
        await env.close();
      }
    });
}

async function ask(io: Io, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

function findBackup(backups: BackupRecord[], id: string, project: string): BackupRecord {
  const b = backups.find((x) => x.id === id);
  if (!b) throw new InvalidInput(`no backup ${id} of ${project}; stagecraft backups ${project} lists them`);
  return b;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 90) return `${Math.round(s)}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 129600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
