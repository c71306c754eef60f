import { removeProjectNetworks } from '../../drivers/docker/removal.ts';
import { hostUsage } from '../../drivers/host/usage.ts';
import { type Plan, planEnvironment, rowsToRecorded } from '../../plan/index.ts';
import {
  previewName,
  previewProjectName,
  type Spec,
  withoutPreviews,
  withPreviews,
} from '../../spec/index.ts';
import type { PreviewRecord, SecretStore, StateStore } from '../../state/index.ts';
import { deploy } from '../deploy.ts';
import { down } from '../down.ts';
import { connectEngine } from '../engine-connection.ts';
import { PREVIEW_EVENT } from './launch.ts';
import { InvalidPreview } from './prepare.ts';

/** Where a preview operation works, and how it reports: what `preview up` and `down` share. */
export interface PreviewServer {
  store: StateStore;
  secrets: SecretStore;
  serverDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  waitMs?: number | undefined;
}

export interface RemoveOptions extends PreviewServer {
  /** The spec (the recorded previews in it or not: they are read from the store). */
  spec: Spec;
  /** `down` (by hand) or `expired` (by `serve`): the event says which. */
  reason: 'down' | 'expired';
  actor?: string | undefined;
}

export interface Removed {
  preview: PreviewRecord;
  containers: number;
  volumes: number;
  networks: number;
  warnings: string[];
}

/** The recorded preview NAME (as given, or as a branch name) of PROJECT, or InvalidPreview naming those there are. */
export async function recordedPreview(
  store: StateStore,
  project: string,
  name: string,
): Promise<PreviewRecord> {
  const checked = previewName(name);
  const previews = await store.listPreviews(project);
  const found = checked.ok ? previews.find((p) => p.name === checked.name) : undefined;
  if (!found)
    throw new InvalidPreview(
      `no preview ${name} of ${project}; ${previews.length ? `its previews are ${previews.map((p) => p.name).join(', ')}` : 'it has none'}`,
    );
  return found;
}

/**
 * `preview down` and `serve`'s expiry: removes the preview's containers, volumes and networks,
 * forgets its allocations, secrets and record, and converges the shared stack without its routes.
 */
export async function removePreview(opts: RemoveOptions, preview: PreviewRecord): Promise<Removed> {
  const { store, secrets, log } = opts;
  const fileSpec = withoutPreviews(opts.spec);
  const project = previewProjectName(preview.project, preview.name);
  const all = await store.listPreviews();
  const withIt = withPreviews(fileSpec, all);
  const without = withPreviews(
    fileSpec,
    all.filter((p) => !(p.project === preview.project && p.name === preview.name)),
  );
  const docker = await connectEngine(fileSpec.server.host, opts.env);
  const warnings: string[] = [];
  const gone = await down(docker, withIt, await planOf(withIt, store), {
    project,
    volumes: true,
    waitMs: opts.waitMs,
    log,
  });
  warnings.push(...gone.left);
  await store.deletePreview(preview.project, preview.name);
  await store.forgetProject(project);
  for (const s of await secrets.list(project)) await secrets.delete(project, s.name);
  // The shared stack only (no project has the preview's name any more): the proxy drops its routes
  // and leaves its edge network.
  const shared = await deploy({
    spec: without,
    plan: await planOf(without, store),
    diagnostics: [],
    store,
    secrets,
    serverDir: opts.serverDir,
    project,
    env: opts.env,
    log,
    waitMs: opts.waitMs,
  });
  warnings.push(...shared.warnings, ...shared.failed.map((f) => `${f.project}: ${f.reason}`));
  const networks = await removeProjectNetworks(docker, fileSpec.environment, project);
  await store.addEvent({
    project,
    kind: PREVIEW_EVENT,
    message: `${opts.reason === 'expired' ? `expired (${preview.expiresAt})` : `down${opts.actor ? ` by ${opts.actor}` : ''}`}: preview ${preview.name} of ${preview.project} removed with ${gone.volumes} volumes`,
    data: {
      action: opts.reason,
      project: preview.project,
      name: preview.name,
      expiresAt: preview.expiresAt,
      containers: gone.containers,
      volumes: gone.volumes,
      networks,
    },
  });
  return { preview, containers: gone.containers, volumes: gone.volumes, networks, warnings };
}

/** The plan from the recorded allocations: every project here has them already. */
async function planOf(spec: Spec, store: StateStore): Promise<Plan> {
  return planEnvironment(spec, {
    recorded: rowsToRecorded(await store.loadAllocations()),
    host: await hostUsage(spec.server.host),
  });
}
