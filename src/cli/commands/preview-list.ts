import type { Command } from 'commander';
import { previewRows } from '../../ops/previews/list.ts';
import { age, until } from '../backup-records.ts';
import { loadOrExit } from '../context.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { readPreviews } from '../previews.ts';
import { table } from '../style.ts';

export function registerPreviewList(group: Command, program: Command, io: Io): void {
  group
    .command('list')
    .description('every preview: its age, expiry, URL and images')
    .argument('[project]', 'only the previews of this project')
    .option('--json', 'print JSON: a list of { project, name, url, createdAt, expiresAt, images }')
    .action(async (project: string | undefined, options: { json?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals, io.cwd);
      const spec = loadOrExit(path, io).spec;
      const records = (await readPreviews(path, globals, io)).filter(
        (p) => !project || p.project === project,
      );
      const rows = previewRows(spec, records);
      if (options.json) return io.out(JSON.stringify(rows, null, 2));
      if (!rows.length) return io.out(project ? `no previews of ${project}` : 'no previews');
      const now = Date.now();
      io.out(
        table([
          ['PROJECT', 'PREVIEW', 'URL', 'AGE', 'EXPIRES', 'IMAGES'],
          ...rows.map((r) => [
            r.project,
            r.name,
            r.url,
            age(r.createdAt, now),
            until(r.expiresAt, now),
            Object.entries(r.images)
              .map(([s, i]) => `${s}=${i}`)
              .join(' '),
          ]),
        ]),
      );
    });
}
