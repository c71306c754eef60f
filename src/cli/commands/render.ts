import { resolve } from 'node:path';
import type { Command } from 'commander';
import { renderToFolder } from '../../ops/render-to-folder.ts';
import { rowsToRecorded } from '../../plan/index.ts';
import type { Artifact, RenderContext } from '../../render/index.ts';
import { renderServerLayout } from '../../render/index.ts';
import { renderKubernetes } from '../../render/k8s/index.ts';
import { InvalidInput } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';
import { loadWithPreviews } from '../previews.ts';
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
        const render = rendererFor(options.target, options.withSecrets === true);
        const globals = program.opts<GlobalOptions>();
        const path = specPath(arg, globals, io.cwd);
        const loaded = await loadWithPreviews(path, io, globals);
        const store = await openState(path, globals, io);
        const secrets = await openSecrets(path, globals, io);
        try {
          const recorded = rowsToRecorded(await store.loadAllocations());
          const { plan, diagnostics } = await planFromState(loaded, {
            recorded,
            ...(options.withSecrets ? { secretNames: await secrets.list() } : {}),
          });
          reportDiagnostics(diagnostics, io, displayPath(path, io.cwd));
          const out = resolve(io.cwd, options.out);
          const result = await renderToFolder(
            out,
            { spec: loaded.spec, plan },
            {
              render,
              store,
              recordAllocations: options.target === 'compose',
              ...(options.withSecrets ? { secrets } : {}),
            },
          );
          for (const k of result.kept) io.out(`kept ${k}`);
          io.out(
            `${io.style.green('✓')} wrote ${result.written} files to ${displayPath(out, io.cwd)}${result.removed.length ? ` (removed ${result.removed.length} stale)` : ''}`,
          );
        } finally {
          await secrets.close?.();
          await store.close();
        }
      },
    );
}

/** The renderer of `--target`: compose (the server's layout) or k8s (a kustomize tree, which never holds secret files). */
function rendererFor(target: string, withSecrets: boolean): (ctx: RenderContext) => Artifact[] {
  if (target === 'compose') return renderServerLayout;
  if (target !== 'k8s') throw new InvalidInput(`unknown target "${target}": use compose or k8s`);
  if (withSecrets)
    throw new InvalidInput(
      '--with-secrets is for the compose target: on Kubernetes the pods read Secrets, which no rendered file holds',
    );
  return renderKubernetes;
}
