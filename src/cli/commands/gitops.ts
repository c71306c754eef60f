import type { Command } from 'commander';
import { pushToGitops, specRevision } from '../../ops/gitops-push.ts';
import { renderKubernetes } from '../../render/k8s/index.ts';
import { loadOrExit } from '../context.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';

/** `gitops push`: render the k8s target into `server.kubernetes.gitops`, committing only what changed. */
export function registerGitops(program: Command, io: Io): void {
  const gitops = program.command('gitops').description('the Kubernetes target in a GitOps repository');
  gitops
    .command('push')
    .description(
      'render the k8s target into server.kubernetes.gitops; commit and push only when something changed',
    )
    .argument('[spec]', 'the spec file (default ./staging.yaml)')
    .option('--message <text>', 'the commit message')
    .action(async (arg: string | undefined, options: { message?: string }) => {
      const path = specPath(arg, program.opts<GlobalOptions>(), io.cwd);
      const loaded = loadOrExit(path, io);
      const target = loaded.spec.server.kubernetes.gitops;
      if (!target)
        throw new InvalidInput(
          `${displayPath(path, io.cwd)}: server.kubernetes.gitops is not set: give it a repo (and branch, path) to push to`,
        );
      const { plan, diagnostics } = await planFromState(loaded, { probeHost: false });
      reportDiagnostics(diagnostics, io, displayPath(path, io.cwd));
      const revision = specRevision(path, io.env);
      const message =
        options.message ??
        `stagecraft: render ${loaded.spec.environment} from ${displayPath(path, io.cwd)}${revision ? ` at ${revision}` : ''}`;
      let result: ReturnType<typeof pushToGitops>;
      try {
        result = pushToGitops(target, renderKubernetes({ spec: loaded.spec, plan }), message, io.env);
      } catch (e) {
        const stderr = (e as { stderr?: string }).stderr?.trim();
        throw new OperationFailed(`pushing to ${target.repo} failed: ${stderr || (e as Error).message}`);
      }
      if (!result.commit)
        io.out(
          `${io.style.green('✓')} ${target.repo} ${target.branch} already holds this rendering: nothing to commit`,
        );
      else
        io.out(
          `${io.style.green('✓')} pushed ${result.commit.slice(0, 12)} to ${target.repo} ${target.branch}: ${result.changed.length} files changed, ${result.removed.length} removed`,
        );
    });
}
