import type { Spec } from '../spec/index.ts';
import type { ReleaseRecord } from '../state/index.ts';
import { type Deployed, type DeployOptions, deploy } from './deploy.ts';

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

export interface DeployImagesOptions
  extends Omit<DeployOptions, 'spec' | 'project' | 'actor' | 'record' | 'diagnostics'> {
  spec: Spec;
  project: string;
  /** Service → image to run instead of the spec's. */
  images: Readonly<Record<string, string>>;
  actor: string;
}

/**
 * `stagecraft deploy`: a new release of one project with the given images, through `up`'s locked
 * path (engine lock, preflight, phases, rollout and health gates), recorded with who made it and
 * the digests it runs. No up record: the spec file does not describe these images.
 */
export async function deployImages(opts: DeployImagesOptions): Promise<DeployImagesResult> {
  const wanted = withImages(opts.spec, opts.project, opts.images);
  if ('problems' in wanted) throw new UnknownService(wanted.problems.join('\n'));
  const { images: _, ...rest } = opts;
  // No up record, so no diagnostics for a no-op `up` to repeat.
  const result = await deploy({
    ...rest,
    spec: wanted.spec,
    diagnostics: [],
    project: opts.project,
    actor: opts.actor,
  });
  const release = result.releases.find((r) => r.project === opts.project);
  if (!release) throw new Error(`project ${opts.project} has no allocation in the plan`);
  const failed = result.failed.map((f) => f.reason).join('; ') || undefined;
  return { release, up: result, ...(failed ? { failed } : {}) };
}

export interface DeployImagesResult {
  release: ReleaseRecord;
  up: Deployed;
  /** Why it failed; the release that was running keeps serving (the same gates as `up`). */
  failed?: string;
}

/** A deploy named a service the project does not have, or one whose image it may not set. */
export class UnknownService extends Error {}
