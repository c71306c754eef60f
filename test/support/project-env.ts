import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createAndStart, removeContainer, waitHealthy } from '../../src/drivers/docker/engine.ts';
import { LABEL } from '../../src/model/index.ts';
import type { RunningEnvironment } from '../../src/ops/running-environment.ts';
import { projectEngineContainers } from '../../src/ops/running-environment.ts';
import { secretFileArtifacts } from '../../src/ops/secret-values.ts';
import { ensureStackResources } from '../../src/ops/up.ts';
import { writeArtifacts } from '../../src/ops/write-artifacts.ts';
import { planEnvironment } from '../../src/plan/index.ts';
import { projectStack, renderServerLayout } from '../../src/render/index.ts';
import { loadSpecText } from '../../src/spec/index.ts';
import { openSecretStore, openStore, type SecretStore } from '../../src/state/index.ts';

/**
 * One project's containers on the real engine, without the shared stack: for day-2 operations
 * tests that need a running database but must not disturb the demo environment. The layout sits
 * where the CLI looks for it (`.stagecraft/server` beside the spec), so commands run on it too.
 */
export interface ProjectEnv extends RunningEnvironment {
  dir: string;
  specFile: string;
  secrets: SecretStore;
  /** Starts the project's long-running containers (not the one-offs) and waits until they are healthy. */
  start(project: string): Promise<void>;
  /** Removes every container, network and volume of the environment. */
  destroy(): Promise<void>;
}

export async function projectEnv(dir: string, specText: string): Promise<ProjectEnv> {
  const specFile = join(dir, 'staging.yaml');
  writeFileSync(specFile, specText);
  const loaded = loadSpecText('staging.yaml', specText, process.env);
  if (!loaded.spec) throw new Error(JSON.stringify(loaded.diagnostics));
  const spec = loaded.spec;
  const plan = planEnvironment(spec, {});
  const state = join(dir, '.stagecraft');
  mkdirSync(state, { recursive: true });
  const store = await openStore({ path: join(state, 'state.db') });
  const secrets = await openSecretStore({ dir: join(state, 'secrets') });
  const serverDir = join(state, 'server');
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const env: ProjectEnv = {
    dir,
    specFile,
    spec,
    plan,
    docker,
    store,
    secrets,
    serverDir,
    async start(name) {
      const ctx = { spec, plan };
      writeArtifacts(serverDir, [...renderServerLayout(ctx), ...(await secretFileArtifacts(ctx, secrets))]);
      const project = spec.projects.find((p) => p.name === name)!;
      const stack = projectStack(ctx, project)!;
      // Its own networks, and its edge network (the shared stack's to create, absent here); nothing shared.
      for (const n of stack.networks)
        if (n.external && !n.name.startsWith(`${name}-`))
          throw new Error(`${n.name} belongs to the shared stack: keep this test's project off it`);
      await ensureStackResources(docker, stack, () => true);
      const running = projectEngineContainers(env, project).filter((s) => !s.container.oneOff);
      for (const s of running) {
        await removeContainer(docker, s.name);
        await createAndStart(docker, s);
      }
      await Promise.all(running.map((s) => waitHealthy(docker, s.name)));
    },
    async destroy() {
      // Only this spec's projects: other tests may run environments of the same name at once.
      for (const p of spec.projects) {
        const label = [`${LABEL.environment}=${spec.environment}`, `${LABEL.project}=${p.name}`];
        for (const c of await docker.listContainers({ all: true, filters: { label } }))
          await docker.getContainer(c.Id).remove({ force: true, v: true });
        for (const n of await docker.listNetworks({ filters: { label } }))
          await docker
            .getNetwork(n.Id)
            .remove()
            .catch(() => {});
        // The edge network is the shared stack's to label; this harness made it bare.
        await docker
          .getNetwork(`${p.name}-edge`)
          .remove()
          .catch(() => {});
        // Volumes carry the project's label only (they outlive environments by design).
        for (const v of (await docker.listVolumes({ filters: { label: [`${LABEL.project}=${p.name}`] } }))
          .Volumes ?? [])
          await docker
            .getVolume(v.Name)
            .remove()
            .catch(() => {});
      }
      await secrets.close();
      await store.close();
    },
  };
  return env;
}
