import type { Command } from 'commander';
import { connectEngine } from '../../ops/engine-connection.ts';
import { environmentStatus } from '../../ops/status.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { loadWithPreviews } from '../previews.ts';
import { openState } from '../state.ts';
import { table } from '../style.ts';

export function registerStatus(program: Command, io: Io): void {
  program
    .command('status')
    .description('every service: state, health, image, ports, routes')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals, io.cwd);
      const spec = (await loadWithPreviews(path, io, globals)).spec;
      const docker = await connectEngine(spec.server.host, io.env);
      const store = await openState(path, globals, io);
      const rows = await environmentStatus(docker, spec, store).finally(() => store.close());
      if (options.json) return io.out(JSON.stringify(rows, null, 2));
      io.out(
        table([
          ['PROJECT', 'CONTAINER', 'STATE', 'HEALTH', 'IMAGE', 'DIGEST', 'PORTS', 'ROUTES', 'LAST BACKUP'],
          ...rows.map((r) => [
            r.project,
            r.replica,
            r.state,
            r.answers ? 'starting, answers' : (r.health ?? '-'),
            r.image,
            // Enough of it to tell two apart: `sha256:` and 12 hex digits, as `docker images` shows IDs.
            r.digest.slice(r.digest.indexOf('sha256:'), r.digest.indexOf('sha256:') + 19),
            r.ports.join(' '),
            r.routes.join(' '),
            r.lastBackup
              ? `${r.lastBackup.at.slice(0, 16).replace('T', ' ')} ${r.lastBackup.verified ?? 'unverified'}`
              : '',
          ]),
        ]),
      );
      const failed = new Map(
        rows.flatMap((r) =>
          r.lastRelease?.status === 'failed' ? [[r.project, r.lastRelease] as const] : [],
        ),
      );
      for (const [project, release] of failed)
        io.out(
          `${project}: the last release failed (${release.at.slice(0, 16).replace('T', ' ')}): ${release.reason ?? 'no reason recorded'}`,
        );
    });
}
