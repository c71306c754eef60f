import { dirname, resolve as resolvePath } from 'node:path';
import type Docker from 'dockerode';
import { buildContext } from '../../drivers/docker/build.ts';
import { engineOccupancy } from '../../drivers/docker/occupancy.ts';
import {
  inspectImage,
  type LayerProgress,
  pullImage,
  type RegistryAuth,
  tagsOf,
} from '../../drivers/docker/pull.ts';
import { hostUsage } from '../../drivers/host/usage.ts';
import type { Stack } from '../../model/index.ts';
import type { Plan } from '../../plan/index.ts';
import { buildTag, DOCKER_HUB, parseImageRef, repositoryOf } from '../../render/image-ref.ts';
import type { Spec } from '../../spec/index.ts';
import type { SecretStore } from '../../state/index.ts';
import { OperationFailed } from '../failure.ts';
import { digestOf } from '../release-digests.ts';
import { wantedStacks } from '../up.ts';
import { contextFiles, contextHash } from './build-context.ts';
import {
  type ImageOutcome,
  imageProblems,
  networkProblems,
  portProblems,
  type WantedNetwork,
  type WantedPort,
} from './checks.ts';
import { LAYER_DONE, layerBar } from './layer-bar.ts';

export interface PreflightOptions {
  docker: Docker;
  secrets: SecretStore;
  /** Only this project (and the shared stack). */
  project?: string;
  /** Stacks to run instead of the spec's (a recorded release). */
  stacks?: ReadonlyMap<string, Stack>;
  log: (line: string) => void;
}

export interface Preflight {
  /** The spec with each `build:` service's image set to the tag of its context. */
  spec: Spec;
  /** Image reference → what the engine runs under it (RepoDigest, else the image ID of a local build). */
  digests: Map<string, string>;
}

/** Nothing was changed: every problem found before `up` would have created anything. */
export class PreflightFailed extends OperationFailed {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`nothing on the server was changed:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** The preflight's options from `up`'s. */
export function preflightOptions(
  o: Pick<PreflightOptions, 'docker' | 'secrets' | 'project' | 'stacks' | 'log'>,
): PreflightOptions {
  return {
    docker: o.docker,
    secrets: o.secrets,
    log: o.log,
    ...(o.project ? { project: o.project } : {}),
    ...(o.stacks ? { stacks: o.stacks } : {}),
  };
}

interface BuildJob {
  context: string;
  files: string[];
  dockerfile: string;
  args: Record<string, string>;
}

/**
 * Before `up` changes anything: the spec's subnets against the engine's other networks, the host
 * ports against what already listens, and every image the command runs present on the engine,
 * pulled (with `server.registries` credentials) or built. Throws `PreflightFailed` with every
 * problem at once.
 */
export async function preflight(spec: Spec, plan: Plan, opts: PreflightOptions): Promise<Preflight> {
  const { docker, log } = opts;
  const { spec: tagged, builds } = await withBuildTags(spec, opts.project);
  const { shared, projects } = wantedStacks({ spec: tagged, plan }, opts.stacks);
  const chosen = [
    shared,
    ...[...projects].filter(([p]) => !opts.project || p === opts.project).map(([, d]) => d),
  ];

  const [occupancy, host] = await Promise.all([
    engineOccupancy(docker, spec.environment),
    hostUsage(spec.server.host),
  ]);
  const problems = [
    ...networkProblems(wantedNetworks(chosen), occupancy.networks),
    ...portProblems(wantedPorts(chosen), {
      listening: host.ports,
      foreign: occupancy.foreignPorts,
      ours: occupancy.ownPorts,
    }),
  ];
  if (problems.length) throw new PreflightFailed(problems);

  const images = [...new Set(chosen.flatMap((d) => d.containers.map((c) => c.image)))];
  const digests = new Map<string, string>();
  const missing: string[] = [];
  await Promise.all(
    images.map(async (image) => {
      const have = await inspectImage(docker, image);
      if (have) digests.set(image, digestOf(image, have));
      else missing.push(image);
    }),
  );
  const outcomes = await Promise.all(missing.filter((i) => !builds.has(i)).map(pull));
  // Builds one after the other: each takes the engine's CPU, and their output reads better unmixed.
  for (const image of missing) {
    const job = builds.get(image);
    if (job) outcomes.push(await build(image, job));
  }
  for (const o of outcomes) {
    const have = o.state === 'failed' ? undefined : await inspectImage(docker, o.image);
    if (have) digests.set(o.image, digestOf(o.image, have));
  }
  const failed = imageProblems(outcomes);
  if (failed.length) throw new PreflightFailed(failed);
  return { spec: tagged, digests };

  async function pull(image: string): Promise<ImageOutcome> {
    const ref = parseImageRef(image);
    const repository = repositoryOf(image);
    const tag = ref.digest ?? ref.tag ?? 'latest';
    try {
      const auth = await registryAuth(spec, opts.secrets, ref.registry);
      log(`pull ${image}: starting`);
      const layers = new Map<string, LayerProgress>();
      await pullImage(
        docker,
        ref.digest ? `${repository}@${ref.digest}` : repository,
        ref.digest ? '' : tag,
        auth,
        (l) => {
          const before = layers.get(l.id);
          layers.set(l.id, { ...before, ...l });
          if (before?.status !== l.status && LAYER_DONE.test(l.status))
            log(`pull ${image}: ${layerBar([...layers.values()])}`);
        },
      );
      log(`pull ${image}: done`);
      return { image, state: 'pulled' };
    } catch (e) {
      const reason = (e as Error).message;
      log(`pull ${image}: FAILED`);
      if (ref.tag || ref.digest) return { image, state: 'failed', action: 'pull', reason };
      return { image, state: 'failed', action: 'pull', reason, otherTags: await tagsOf(docker, repository) };
    }
  }

  async function build(image: string, job: BuildJob): Promise<ImageOutcome> {
    log(`build ${image}: ${job.files.length} files from ${job.context}`);
    try {
      await buildContext(docker, job, image, (line) => log(`build ${image}: ${line}`));
      return { image, state: 'built' };
    } catch (e) {
      log(`build ${image}: FAILED`);
      return { image, state: 'failed', action: 'build', reason: (e as Error).message };
    }
  }
}

/** The build contexts of the spec's services, absolute: a change in one is a change `up` must act on. */
export function buildContexts(spec: Spec): string[] {
  const base = dirname(resolvePath(spec.file));
  return spec.projects.flatMap((p) =>
    p.services.flatMap((s) => (s.build ? [resolvePath(base, s.build.context)] : [])),
  );
}

/** Each `build:` service gets the tag of its context's content; the spec returned runs that tag. */
async function withBuildTags(
  spec: Spec,
  project: string | undefined,
): Promise<{ spec: Spec; builds: Map<string, BuildJob> }> {
  const builds = new Map<string, BuildJob>();
  const base = dirname(resolvePath(spec.file));
  const projects = await Promise.all(
    spec.projects.map(async (p) => {
      if (project && p.name !== project) return p;
      const services = await Promise.all(
        p.services.map(async (s) => {
          if (!s.build) return s;
          const context = resolvePath(base, s.build.context);
          const files = await contextFiles(context, s.build.dockerfile);
          const tag = buildTag(
            p.name,
            s.name,
            await contextHash(context, files, s.build.dockerfile, s.build.args),
          );
          builds.set(tag, { context, files, dockerfile: s.build.dockerfile, args: s.build.args });
          return { ...s, image: tag };
        }),
      );
      return { ...p, services };
    }),
  );
  return { spec: { ...spec, projects }, builds };
}

/** The credentials `server.registries` names for a registry, read from the secret store (project `shared`). */
async function registryAuth(
  spec: Spec,
  secrets: SecretStore,
  registry: string,
): Promise<RegistryAuth | undefined> {
  const entry = spec.server.registries[registry];
  if (!entry) return undefined;
  const password = await secrets.get('shared', entry.password.secret);
  if (password === undefined)
    throw new Error(
      `the credentials for ${registry} name the secret shared/${entry.password.secret}, which is not set: \`stagecraft secrets set shared ${entry.password.secret}\``,
    );
  return {
    username: entry.username,
    password,
    serveraddress: registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry,
  };
}

function wantedNetworks(stacks: readonly Stack[]): WantedNetwork[] {
  return stacks.flatMap((st) =>
    st.networks.flatMap((n) => (!n.external && n.subnet ? [{ name: n.name, subnet: n.subnet }] : [])),
  );
}

function wantedPorts(stacks: readonly Stack[]): WantedPort[] {
  return stacks.flatMap((st) =>
    st.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.hostPort, container: c.name }))),
  );
}
