import type { Command } from 'commander';
import { connectEngine } from '../../ops/engine-connection.ts';
import { projectLogs } from '../../ops/logs.ts';
import { InvalidInput } from '../errors.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { loadWithPreviews } from '../previews.ts';

const SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

export function registerLogs(program: Command, io: Io): void {
  program
    .command('logs')
    .description('a project’s container logs, labelled by service and replica')
    .argument('<project>', 'the project (or shared)')
    .argument('[service]', 'only this service')
    .option('--since <duration>', 'such as 10m or 2h', '1h')
    .option('--follow', 'keep printing new lines')
    .action(
      async (project: string, service: string | undefined, options: { since: string; follow?: boolean }) => {
        const globals = program.opts<GlobalOptions>();
        const spec = (await loadWithPreviews(specPath(undefined, globals, io.cwd), io, globals)).spec;
        const docker = await connectEngine(spec.server.host, io.env);
        const m = /^(\d+)([smhd])$/.exec(options.since);
        if (!m) throw new InvalidInput(`--since ${options.since}: write a duration such as 10m, 2h or 1d`);
        const since = Math.floor(Date.now() / 1000) - Number(m[1]) * SECONDS[m[2] as keyof typeof SECONDS];
        await projectLogs(
          docker,
          spec.environment,
          { project, service },
          { since, follow: options.follow },
          (container, line) => io.out(`${io.style.cyan(`${container} |`)} ${line}`),
        );
      },
    );
}
