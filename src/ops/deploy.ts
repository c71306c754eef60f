import type { Project, Spec } from '../spec/index.ts';
import type { ReleaseRecord, SecretStore } from '../state/index.ts';
import { recordRelease } from './releases.ts';
import type { RunningEnvironment } from './running-environment.ts';
import { type UpResult, up } from './up.ts';

/** The services whose image a deploy may set: those that run the project's own code. */
const DEPLOYABLE = new Set(['app', 'worker', 'cron']);

/**
 * The spec with the project's services on the images a deploy names (an image given replaces a
 * `build:`); the rest as the spec says. Names that are no deployable service of the project come
 * back as problems, one line each.
 */
export function withImages(
  spec: Spec,
  project: string,
  images: Readonly<Record<string, string>>,
): { spec: Spec } | { problems: string[] } {
  const p = spec.projects.find((x) => x.name === project);
  if (!p) return { problems: [`no project ${project} in the spec`] };
  const problems: string[] = [];
  for (const name of Object.keys(images)) {
    const s = p.services.find((x) => x.name === name);
    if (!s)
      problems.push(
        `${project} has no service ${name}; its services are ${p.services.map((x) => x.name).join(', ')}`,
      );
    else if (!DEPLOYABLE.has(s.type))
      problems.push(`${project}/${name} is a ${s.type} service: its image follows its version in the spec`);
  }
  if (problems.length) return { problems };
  const services = p.services.map((s) => {
    const image = images[s.name];
    if (!image) return s;
    const { build: _, ...rest } = s;
    return { ...rest, image } as typeof s;
  });
  return { spec: { ...spec, projects: spec.projects.map((x) => (x === p ? { ...p, services } : x)) } };
}

/**
 * Who made a release: `STAGECRAFT_ACTOR` when set, else the CI system's user (GitHub Actions,
 * GitLab CI, Buildkite, Jenkins), else the login name.
 */
export function actorOf(env: Readonly<Record<string, string | undefined>>): string {
  if (env.STAGECRAFT_ACTOR) return env.STAGECRAFT_ACTOR;
  if (env.GITHUB_ACTOR)
    return `${env.GITHUB_ACTOR} (GitHub Actions${env.GITHUB_RUN_ID ? ` run ${env.GITHUB_RUN_ID}` : ''})`;
  if (env.GITLAB_USER_LOGIN)
    return `${env.GITLAB_USER_LOGIN} (GitLab CI${env.CI_PIPELINE_ID ? ` pipeline ${env.CI_PIPELINE_ID}` : ''})`;
  if (env.BUILDKITE_BUILD_CREATOR) return `${env.BUILDKITE_BUILD_CREATOR} (Buildkite)`;
  if (env.BUILD_USER_ID) return `${env.BUILD_USER_ID} (Jenkins)`;
  return env.USER ?? env.LOGNAME ?? 'unknown';
}

export interface DeployResult {
  release: ReleaseRecord;
  up: UpResult;
  /** Why it failed; the release that was running keeps serving (the same gates as `up`). */
  failed?: string;
}

/**
 * A new release of one project with the given images: `up` for that project alone (preflight,
 * phases, rollout and health gates), recorded with who made it and the digests it runs.
 */
export async function deploy(
  env: RunningEnvironment & { secrets: SecretStore },
  project: Project,
  spec: Spec,
  actor: string,
  log: (line: string) => void,
): Promise<DeployResult> {
  const result = await up(spec, env.plan, {
    docker: env.docker,
    store: env.store,
    secrets: env.secrets,
    serverDir: env.serverDir,
    project: project.name,
    log,
  });
  const failed = result.failed.map((f) => f.reason).join('; ') || undefined;
  const stack = result.stacks.get(project.name);
  if (!stack) throw new Error(`project ${project.name} has no allocation in the plan`);
  const release = await recordRelease(env.store, project.name, stack, {
    ...(failed ? { failed } : {}),
    ...(result.digests ? { digests: result.digests } : {}),
    reason: `deploy by ${actor}`,
    actor,
  });
  await env.store.addEvent({
    project: project.name,
    kind: 'deploy',
    message: failed ? `deploy by ${actor} failed: ${failed}` : `deployed by ${actor}`,
    data: { release: release.id, actor, images: release.images, touched: result.touched },
  });
  return { release, up: result, ...(failed ? { failed } : {}) };
}
