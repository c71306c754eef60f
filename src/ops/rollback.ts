import type Docker from 'dockerode';
import { inspectImage } from '../drivers/docker/pull.ts';
import type { Project } from '../spec/index.ts';
import type { ReleaseRecord, SecretStore } from '../state/index.ts';
import { withEngineLock } from './engine-lock.ts';
import { digestOf, pinnedToDigests } from './release-digests.ts';
import { recordRelease, rollbackTarget } from './releases.ts';
import type { RunningEnvironment } from './running-environment.ts';
import { type UpResult, up } from './up.ts';

export interface RollbackResult {
  from: ReleaseRecord;
  to: ReleaseRecord;
  release: ReleaseRecord;
  up: UpResult;
  /** Why it failed; the release that was running keeps serving (the same health gates as `up`). */
  failed?: string;
}

/**
 * Redeploys the project's previous successful release (its images and configuration, as recorded)
 * through `up`, so the same rollout and health gates apply. Data services and volumes are left as
 * they are: a rollback never touches data.
 */
export async function rollback(
  env: RunningEnvironment & { secrets: SecretStore },
  project: Project,
  log: (line: string) => void,
  waitMs?: number,
): Promise<RollbackResult> {
  return withEngineLock(env.docker, { command: `rollback ${project.name}`, waitMs, log }, () =>
    rollbackLocked(env, project, log),
  );
}

async function rollbackLocked(
  env: RunningEnvironment & { secrets: SecretStore },
  project: Project,
  log: (line: string) => void,
): Promise<RollbackResult> {
  const pick = rollbackTarget(await env.store.listReleases(project.name));
  if ('reason' in pick) throw new NothingToRollBack(`${project.name} cannot roll back: ${pick.reason}`);
  // The images it ran, by digest: a tag may have moved since.
  const { images, digests } = pick.target;
  const moved = digests ? await movedTags(env.docker, images, digests) : undefined;
  const stack = moved ? pinnedToDigests(pick.stack, images, moved) : pick.stack;
  log(`${project.name}: rolling back to the release of ${pick.target.createdAt} (${pick.target.id})`);
  const result = await up(env.spec, env.plan, {
    docker: env.docker,
    store: env.store,
    secrets: env.secrets,
    serverDir: env.serverDir,
    project: project.name,
    stacks: new Map([[project.name, stack]]),
    log,
  });
  const failed = result.failed.map((f) => f.reason).join('; ') || undefined;
  // Recorded as the release it went back to (same stack, same digests), so a second rollback walks further back.
  const release = await recordRelease(env.store, project.name, pick.stack, {
    ...(failed ? { failed } : {}),
    ...(digests ? { digests: new Map(Object.entries(digests).map(([s, d]) => [images[s] ?? s, d])) } : {}),
    reason: `rollback to ${pick.target.id}`,
  });
  if (!failed) await env.store.updateRelease(pick.current.id, { status: 'rolled-back' });
  await env.store.addEvent({
    project: project.name,
    kind: 'rollback',
    message: failed ? `rollback to ${pick.target.id} failed: ${failed}` : `rolled back to ${pick.target.id}`,
    data: { from: pick.current.id, to: pick.target.id, release: release.id, touched: result.touched },
  });
  return { from: pick.current, to: pick.target, release, up: result, ...(failed ? { failed } : {}) };
}

export class NothingToRollBack extends Error {}

/**
 * The services whose tag now names another image than the release ran. Only those are pinned: a
 * container on an unmoved tag (the database, an exporter) keeps its create body, so it is not
 * recreated by the rollback.
 */
async function movedTags(
  docker: Docker,
  images: Readonly<Record<string, string>>,
  digests: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  const moved: Record<string, string> = {};
  await Promise.all(
    Object.entries(digests).map(async ([service, digest]) => {
      const image = images[service];
      const have = image ? await inspectImage(docker, image) : undefined;
      if (!image || !have || digestOf(image, have) !== digest) moved[service] = digest;
    }),
  );
  return moved;
}
