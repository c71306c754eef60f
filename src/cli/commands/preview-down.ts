import type { Command } from 'commander';
import { actorOf } from '../../ops/deploy-images.ts';
import { serverDirFor } from '../../ops/locations.ts';
import { InvalidPreview } from '../../ops/previews/prepare.ts';
import { recordedPreview, removePreview } from '../../ops/previews/remove.ts';
import { loadOrExit } from '../context.ts';
import { InvalidInput } from '../errors.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { progressFor } from '../progress.ts';
import { openSecrets, openState } from '../state.ts';
import { WAIT_FLAG, WAIT_HELP, waitMs } from '../wait-option.ts';

export function registerPreviewDown(group: Command, program: Command, io: Io): void {
  group
    .command('down')
    .description('remove a preview: its containers, networks and volumes')
    .argument('<project>', 'the project it copies')
    .argument('<name>', 'the preview name (or the branch name it was made from)')
    .option(WAIT_FLAG, WAIT_HELP)
    .action(async (project: string, name: string, options: { wait?: string }) => {
      const wait = waitMs(options.wait);
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals, io.cwd);
      const spec = loadOrExit(path, io).spec;
      const store = await openState(path, globals, io);
      const secrets = await openSecrets(path, globals, io);
      try {
        const record = await recordedPreview(store, project, name).catch((e) => {
          throw e instanceof InvalidPreview ? new InvalidInput(e.message) : e;
        });
        const progress = progressFor(io.stderr, io.errStyle.dim);
        const r = await removePreview(
          {
            spec,
            store,
            secrets,
            serverDir: serverDirFor(path, globals, io),
            env: io.env,
            log: (line) => progress.step(line),
            waitMs: wait,
            reason: 'down',
            actor: actorOf(io.env),
          },
          record,
        );
        progress.done();
        for (const w of r.warnings) io.err(io.errStyle.yellow(`warning: ${w}`));
        io.out(
          `${io.style.green('✓')} preview ${record.name} of ${record.project} removed: ${r.containers} containers, ${r.volumes} volumes, ${r.networks} networks`,
        );
      } finally {
        await secrets.close();
        await store.close();
      }
    });
}
