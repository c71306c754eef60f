import { resolve } from 'node:path';
import type { Command } from 'commander';
import { recordAllocations } from '../../ops/record-allocations.ts';
import { secretFileArtifacts } from '../../ops/secret-values.ts';
import { writeArtifacts } from '../../ops/write-artifacts.ts';
import { rowsToRecorded } from '../../plan/index.ts';
import { renderServerLayout } from '../../render/index.ts';
import { displayPath, type GlobalOptions, loadOrExit, specPath } from '../context.ts';
import { InvalidInput } from '../errors.ts';
import type { Io } from '../io.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';
import { openSecrets, openState } from '../state.ts';

export function registerRender(program: Command, io: Io): void {
  program
    .command('render')
    .description(
      'write every artifact, ready to hand to docker compose (or kubectl), and record the allocations used',
    )
    .argument('[spec]', 'the spec file (default ./staging.yaml)')
    .requiredOption('--out <dir>', 'the output folder')
    .option('--target <target>', 'compose or k8s', 'compose')
    .option('--with-secrets', 'also write the secret files (mode 0600) that compose needs to run')
    .action(
      async (arg: string | undefined, options: { out: string; target: string; withSecrets?: boolean }) => {
        if (options.target !== 'compose') {
          throw new InvalidInput(
            options.target === 'k8s'
              ? 'the k8s target is not built yet: use --target compose'
              : `unknown target "${options.target}": use compose or k8s`,
          );
        }
        const globals = program.opts<GlobalOptions>();
        const path = specPath(arg, globals);
        const loaded = loadOrExit(path, io.errStyle, io.err);
        const store = await openState(path, globals, io.env);
        const secrets = await openSecrets(path, globals, io.env);
        try {
          const recorded = rowsToRecorded(await store.loadAllocations());
          const { plan, diagnostics } = await planFromState(loaded, {
            recorded,
            ...(options.withSecrets ? { secretNames: await secrets.list() } : {}),
          });
          reportDiagnostics(diagnostics, io, displayPath(path));

          const ctx = { spec: loaded.spec, plan };
          const artifacts = renderServerLayout(ctx);
          if (options.withSecrets) {
            artifacts.push(...(await secretFileArtifacts(ctx, secrets)));
          }
          const out = resolve(options.out);
          const result = writeArtifacts(out, artifacts);
          await recordAllocations(store, plan);
          io.out(
            `${io.style.green('✓')} wrote ${result.written} files to ${displayPath(out)}${result.removed.length ? ` (removed ${result.removed.length} stale)` : ''}`,
          );
        } finally {
          await secrets.close?.();
          await store.close();
        }
      },
    );
}
