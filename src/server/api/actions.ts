import { restoreBackup } from '../../ops/backup/restore.ts';
import { verifyRestore } from '../../ops/backup/verify.ts';
import { deploy } from '../../ops/deploy.ts';
import { OperationFailed } from '../../ops/failure.ts';
import { phaseRecorder } from '../../ops/phase-events.ts';
import { rollback } from '../../ops/rollback.ts';
import type { RunningEnvironment } from '../../ops/running-environment.ts';
import type { Project, Spec } from '../../spec/index.ts';
import type { SecretStore } from '../../state/index.ts';
import type { ApiActions } from './app.ts';

/** The API's writes, on the same ops functions the CLI's deploy, rollback, restore and verify-restore run. */
export function opsActions(
  running: RunningEnvironment & { secrets: SecretStore },
  opts: { env: NodeJS.ProcessEnv; log: (line: string) => void },
): ApiActions {
  const backupOf = async (project: Project, id: string | undefined) => {
    const backups = await running.store.listBackups(project.name);
    const b = id === undefined ? backups.at(-1) : backups.find((x) => x.id === id);
    if (!b)
      throw new OperationFailed(
        id ? `${project.name} has no backup ${id}` : `${project.name} has no backups`,
      );
    return b;
  };
  return {
    async deploy(project, images, user) {
      const spec = withImages(running.spec, project, images);
      const phases = phaseRecorder(running.store, project.name, 'deploy', opts.log);
      phases.log(`deploy by ${user} started`);
      const r = await deploy({
        spec,
        plan: { ...running.plan, spec },
        diagnostics: [],
        store: running.store,
        secrets: running.secrets,
        serverDir: running.serverDir,
        project: project.name,
        env: opts.env,
        actor: user,
        docker: running.docker,
        log: phases.log,
      }).finally(() => phases.flush());
      if (r.failed.length) throw new OperationFailed(r.failed.map((f) => f.reason).join('; '));
      const rolledBack = r.analyses.filter((a) => a.analysis.verdict === 'rolled-back');
      if (rolledBack.length)
        throw new OperationFailed(
          `rolled back by the deploy analysis: ${rolledBack.flatMap((a) => a.analysis.breaches).join('; ')}`,
        );
      return { touched: r.touched, removed: r.removed, analysis: r.analyses.map((a) => a.analysis) };
    },
    async rollback(project, user) {
      const phases = phaseRecorder(running.store, project.name, 'rollback', opts.log);
      phases.log(`rollback by ${user} started`);
      const r = await rollback(running, project, phases.log).finally(() => phases.flush());
      if (r.failed) throw new OperationFailed(`the running release keeps serving: ${r.failed}`);
      return { to: r.to.id, release: r.release.id, touched: r.up.touched };
    },
    async restore(project, id) {
      const r = await restoreBackup(running, project, await backupOf(project, id), (line) =>
        opts.log(`${project.name}: ${line}`),
      );
      return { restored: r.restored.id, safety: r.safety.id, writers: r.writers, mismatch: r.mismatch };
    },
    async verifyRestore(project, id) {
      const v = await verifyRestore(running, project, await backupOf(project, id));
      return { backup: v.backup.id, verdict: v.verdict, detail: v.detail, seconds: v.seconds };
    },
  };
}

/** The spec with some of the project's services on other images (a deploy's `images`). */
export function withImages(spec: Spec, project: Project, images: Record<string, string>): Spec {
  for (const name of Object.keys(images)) {
    const s = project.services.find((x) => x.name === name);
    if (!s || !('image' in s))
      throw new OperationFailed(`${project.name} has no service ${name} that runs an image`);
  }
  if (!Object.keys(images).length) return spec;
  return {
    ...spec,
    projects: spec.projects.map((p) =>
      p.name !== project.name
        ? p
        : { ...p, services: p.services.map((s) => (images[s.name] ? { ...s, image: images[s.name] } : s)) },
    ),
  } as Spec;
}
