import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type Docker from 'dockerode';
import {
  createAndStart,
  ensureNetwork,
  ensureVolume,
  type Owned,
  ownedContainers,
  removeContainer,
  runOnce,
  waitHealthy,
} from '../drivers/docker/engine.ts';
import { type ContainerSpec, containerSpecs } from '../drivers/docker/from-compose.ts';
import type { Plan } from '../plan/index.ts';
import { type ComposeDoc, projectComposeDoc } from '../render/compose/project.ts';
import { sharedComposeDoc } from '../render/compose/shared.ts';
import { LABEL, type RenderContext, renderAll, sharedContainer } from '../render/index.ts';
import { prometheusArgs } from '../render/prometheus/index.ts';
import type { Spec } from '../spec/index.ts';
import type { SecretStore, StateStore } from '../state/index.ts';
import { ensureSelfSignedCertificates, selfSignedPathsIn } from './certificates.ts';
import { differs, isTransient, runsAsWanted, type WantedContainer } from './converged.ts';
import { foreignNames } from './foreign-names.ts';
import { preflight, preflightOptions } from './preflight/index.ts';
import { recordAllocations } from './record-allocations.ts';
import { checkTargets, type RouteCheck, routeFailures, routeTargets } from './route-checks.ts';
import { secretFileArtifacts } from './secret-files.ts';
import { writeArtifacts } from './write-artifacts.ts';

export interface UpOptions {
  docker: Docker;
  store: StateStore;
  secrets: SecretStore;
  /** Where the server's layout is written (the seed's /opt/shared and /opt/projects). */
  serverDir: string;
  project?: string;
  /** Step 1 already done by the caller (`prepareServer`). */
  prepared?: Prepared;
  /** A project's compose document to converge instead of the spec's: a recorded release (rollback). */
  docs?: ReadonlyMap<string, ComposeDoc>;
  log: (line: string) => void;
}

export interface Prepared {
  /** Files of the layout whose content changed (or that are new): their consumers must reread them. */
  changed: string[];
  removed: string[];
  /** Every file of the layout `up` owns, relative to the server folder. */
  files: string[];
}

/**
 * Writes the server's layout and the secret files, makes missing self-signed certificates, and
 * records the allocations: everything `up` does before it talks to the engine.
 */
export async function prepareServer(
  spec: Spec,
  plan: Plan,
  opts: Pick<UpOptions, 'secrets' | 'store' | 'serverDir' | 'log'>,
): Promise<Prepared> {
  const ctx: RenderContext = { spec, plan };
  const artifacts = [...renderAll(ctx), ...(await secretFileArtifacts(ctx, opts.secrets))];
  const written = writeArtifacts(opts.serverDir, artifacts);
  const files = artifacts.map((a) => a.path);
  if (spec.shared.proxy.tls === 'selfsigned') {
    const nginx = join(opts.serverDir, 'shared', 'nginx');
    const made = ensureSelfSignedCertificates(nginx, artifacts);
    if (made.length) {
      opts.log(`self-signed certificates for ${made.join(', ')}`);
      written.changed.push(...made.map((m) => `shared/nginx/certs/${m}`));
    }
    for (const c of selfSignedPathsIn(artifacts))
      files.push(`shared/nginx/${c.cert}`, `shared/nginx/${c.key}`);
  }
  await recordAllocations(opts.store, plan);
  return { changed: written.changed, removed: written.removed, files };
}

/** The networks a compose document owns (not its external ones) and its volumes, created if missing. */
export async function ensureDocResources(
  docker: Docker,
  doc: ComposeDoc,
  owns: (network: Record<string, unknown>) => boolean = (n) => !n.external,
): Promise<void> {
  for (const n of Object.values(doc.networks)) {
    if (!owns(n)) continue;
    const config = (n.ipam as { config: { subnet: string; ip_range?: string }[] } | undefined)?.config[0];
    await ensureNetwork(docker, {
      name: String(n.name),
      internal: n.internal === true,
      labels: n.labels as Record<string, string>,
      ...(config ? { subnet: config.subnet, ipRange: config.ip_range } : {}),
    });
  }
  for (const v of Object.values(doc.volumes ?? {}))
    await ensureVolume(docker, String(v.name), v.labels as Record<string, string>);
}

/** Whether a container must be (re)created to match its spec (see `differs`). */
function needsRecreate(s: ContainerSpec, c: Owned | undefined): boolean {
  return differs({ hash: s.hash, image: String(s.options.Image) }, c);
}

/** The compose documents `up` converges: the shared stack's and each project's (or the one given for it). */
export function composeDocs(
  ctx: RenderContext,
  given?: ReadonlyMap<string, ComposeDoc>,
): { shared: ComposeDoc; docs: Map<string, ComposeDoc> } {
  const shared = sharedComposeDoc(ctx, { prometheusArgs: prometheusArgs(ctx.spec) });
  const docs = new Map<string, ComposeDoc>();
  for (const p of ctx.spec.projects) {
    const d = given?.get(p.name) ?? projectComposeDoc(ctx, p);
    if (d) docs.set(p.name, d);
  }
  return { shared, docs };
}

/** The containers the compose documents ask for; those behind a profile are one-offs. */
export function wantedContainers(
  serverDir: string,
  { shared, docs }: { shared: ComposeDoc; docs: ReadonlyMap<string, ComposeDoc> },
): WantedContainer[] {
  const specs = [...containerSpecs(shared, join(serverDir, 'shared'))];
  for (const [name, doc] of docs) specs.push(...containerSpecs(doc, join(serverDir, 'projects', name)));
  return specs.map((s) => ({
    name: s.name,
    project: s.labels[LABEL.project] ?? '',
    hash: s.hash,
    image: String(s.options.Image),
    hasHealthcheck: s.hasHealthcheck,
    oneOff: s.profiles.length > 0,
  }));
}

/**
 * Whether what runs is already what the spec asks for (`runsAsWanted`). Then `up` has nothing to
 * do (the no-op fast path).
 */
export function isConverged(
  ctx: RenderContext,
  serverDir: string,
  owned: readonly Owned[],
  project?: string,
  docs = composeDocs(ctx),
  ready?: ReadonlySet<string>,
): boolean {
  return runsAsWanted(wantedContainers(serverDir, docs), owned, project, ready);
}

export interface UpResult {
  /** Each project's compose document as converged. */
  docs: Map<string, ComposeDoc>;
  touched: string[];
  removed: string[];
  failed: { project: string; reason: string }[];
  checks: RouteCheck[];
  /** Image reference → the digest it ran as, when this run did the preflight. */
  digests?: Map<string, string>;
}

const DATA = new Set(['postgres', 'redis', 'rabbitmq']);

/** Longer than the proxy's DNS cache (`resolver … valid=2s`). */
const DRAIN_MS = 3000;

/** Converges the server to the plan, phase by phase, with health gates; idempotent by spec hash. */
export async function up(given: Spec, plan: Plan, opts: UpOptions): Promise<UpResult> {
  const { docker, log } = opts;
  // 0. Images pulled or built, subnets and ports free, before anything changes (the caller that
  // prepared the server ran the preflight before that).
  const checked = opts.prepared ? undefined : await preflight(given, plan, preflightOptions(opts));
  const spec = checked?.spec ?? given;
  const ctx: RenderContext = { spec, plan };
  const result: UpResult = { docs: new Map(), touched: [], removed: [], failed: [], checks: [] };
  if (checked) result.digests = checked.digests;
  /** One listing of the environment's containers, read again only after something changed. */
  let snapshot: Promise<Map<string, Owned>> | undefined;

  // 1. The layout and the secret files (mode 0600) the containers read.
  const prepared = opts.prepared ?? (await prepareServer(spec, plan, opts));

  // 2. Networks and volumes: the shared stack owns the shared and edge networks. Names are the
  // engine's, not the environment's: what is not this environment's under one of them stays as it is.
  const { shared, docs } = composeDocs(ctx, opts.docs);
  result.docs = docs;
  const projects = spec.projects.filter((p) => !opts.project || p.name === opts.project);
  const foreign = await foreignNames(docker, spec.environment, [shared, ...docs.values()]);
  if (foreign.length)
    throw new Error(
      `nothing on the engine was changed: ${foreign.join('; ')}. up never removes or takes over what is not this environment's: remove or rename it first`,
    );
  for (const doc of [shared, ...docs.values()]) await ensureDocResources(docker, doc);

  // 3. The shared stack and the projects, in parallel: a project needs only its networks, which
  // exist already; the proxy is needed only for the route checks at the end.
  const sharedSpecs = containerSpecs(shared, join(opts.serverDir, 'shared'));
  await Promise.all([
    phase('shared stack', sharedSpecs, 'shared'),
    ...projects.map(async (p) => {
      const doc = docs.get(p.name);
      if (!doc) return;
      const specs = containerSpecs(doc, join(opts.serverDir, 'projects', p.name));
      const running = specs.filter((s) => s.profiles.length === 0);
      const type = (s: ContainerSpec) => s.labels[LABEL.type] ?? '';
      try {
        await phase(
          `${p.name}: data`,
          running.filter((s) => DATA.has(type(s))),
          p.name,
        );
        await phase(
          `${p.name}: exporters`,
          running.filter((s) => type(s) === 'exporter'),
          p.name,
        );
        const apps = running.filter((s) => type(s) === 'app');
        const appsChange = await changed(apps);
        for (const release of specs.filter((s) => s.labels[LABEL.role] === 'release')) {
          if (!appsChange.length) break;
          log(`${p.name}: release ${release.key}`);
          const r = await runOnce(docker, release);
          if (r.code !== 0)
            throw new Error(`the release step ${release.key} failed (exit ${r.code}):\n${r.logs.trimEnd()}`);
        }
        await rollout(p.name, apps);
        await phase(
          `${p.name}: workers`,
          running.filter((s) => type(s) === 'worker'),
          p.name,
        );
        const wanted = new Set(specs.map((s) => s.name));
        for (const c of (await current()).values()) {
          if (c.labels[LABEL.project] !== p.name) continue;
          if (!wanted.has(c.name) && !isTransient(c)) {
            await removeContainer(docker, c.id);
            result.removed.push(c.name);
          }
        }
      } catch (e) {
        result.failed.push({ project: p.name, reason: (e as Error).message });
        log(`${p.name}: FAILED: ${(e as Error).message}`);
      }
    }),
  ]);

  // 5. Projects gone from the spec: their containers go, their volumes stay.
  if (!opts.project) {
    const names = new Set(spec.projects.map((p) => p.name));
    for (const c of await ownedContainers(docker, spec.environment)) {
      const project = c.labels[LABEL.project] ?? '';
      if (project !== 'shared' && !names.has(project)) {
        await removeContainer(docker, c.id);
        result.removed.push(c.name);
      }
    }
  }

  // 6. Running consumers reread a config that changed (the proxy also after any change, since it
  // resolves upstreams per request this is cheap); one recreated in this run has read it already.
  const reread = (dir: string) => prepared.changed.some((f) => f.startsWith(`shared/${dir}/`));
  for (const [component, dir] of [
    ['proxy', 'nginx'],
    ['prometheus', 'prometheus'],
    ['alertmanager', 'alertmanager'],
  ] as const) {
    const name = sharedContainer(component);
    if (result.touched.includes(name)) continue;
    if (reread(dir) || (component === 'proxy' && result.touched.length)) {
      await docker
        .getContainer(name)
        .kill({ signal: 'SIGHUP' })
        .catch(() => {});
    }
  }
  const standing = projects.filter((p) => !result.failed.some((f) => f.project === p.name));
  result.checks.push(...(await checkTargets(routeTargets(spec, plan, standing))));
  result.failed.push(...routeFailures(result.checks));
  return result;

  function current(): Promise<Map<string, Owned>> {
    if (!snapshot)
      snapshot = ownedContainers(docker, spec.environment).then(
        (list) => new Map(list.map((c) => [c.name, c])),
      );
    return snapshot;
  }

  async function changed(specs: ContainerSpec[]): Promise<ContainerSpec[]> {
    const owned = await current();
    return specs.filter((s) => {
      return needsRecreate(s, owned.get(s.name));
    });
  }

  /** Recreates what changed, then waits for every container of the phase to be healthy. */
  async function phase(name: string, specs: ContainerSpec[], _project: string): Promise<void> {
    const todo = await changed(specs);
    if (todo.length) log(`${name}: ${todo.map((s) => s.name).join(', ')}`);
    await Promise.all(
      todo.map(async (s) => {
        await removeContainer(docker, s.name);
        await createAndStart(docker, s);
        result.touched.push(s.name);
      }),
    );
    const owned = await current();
    if (todo.length) snapshot = undefined;
    // Unchanged containers that were already healthy need no second look.
    const settled = (s: ContainerSpec) =>
      !todo.includes(s) && owned.get(s.name)?.health === (s.hasHealthcheck ? 'healthy' : undefined);
    await Promise.all(specs.filter((s) => !settled(s)).map((s) => waitHealthy(docker, s.name)));
  }

  /**
   * Apps roll one replica at a time: the new container starts beside the old one under a temporary
   * name, answers to the same alias, passes its health gate, and only then does the old one go.
   * If the gate fails, the new container is removed and the old keeps serving.
   */
  async function rollout(project: string, specs: ContainerSpec[]): Promise<void> {
    for (const s of await changed(specs)) {
      const exists = (await ownedContainers(docker, spec.environment, project)).some(
        (c) => c.name === s.name && c.state === 'running',
      );
      log(`${project}: ${exists ? 'rolling' : 'starting'} ${s.name}`);
      if (!exists) {
        await removeContainer(docker, s.name);
        await createAndStart(docker, s);
        await waitHealthy(docker, s.name);
      } else {
        const next = `${s.name}-next`;
        await removeContainer(docker, next);
        const withoutFixedIp = stripFixedAddresses(s);
        await createAndStart(docker, withoutFixedIp, next);
        try {
          await waitHealthy(docker, next);
        } catch (e) {
          await removeContainer(docker, next);
          throw new Error(
            `the new ${s.name} failed its health gate, the old one keeps serving: ${(e as Error).message}`,
          );
        }
        // Drain: the proxy re-resolves the alias every 2 s. It first learns the new replica; then the
        // old one stops (its in-flight requests are reset, and the proxy retries them on another
        // replica) and leaves the alias; it is removed once no proxy cache can still hold its address.
        await sleep(DRAIN_MS);
        await docker
          .getContainer(s.name)
          .stop({ t: 10 })
          .catch(() => {});
        await sleep(DRAIN_MS);
        await removeContainer(docker, s.name);
        await docker.getContainer(next).rename({ name: s.name });
      }
      result.touched.push(s.name);
      snapshot = undefined;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A replacement replica takes an address from the engine's range; the old one still holds the fixed one. */
function stripFixedAddresses(s: ContainerSpec): ContainerSpec {
  const strip = (e: Docker.EndpointSettings) => {
    const { IPAMConfig: _, ...rest } = e;
    return rest;
  };
  const endpoints = s.options.NetworkingConfig?.EndpointsConfig ?? {};
  return {
    ...s,
    options: {
      ...s.options,
      NetworkingConfig: {
        EndpointsConfig: Object.fromEntries(Object.entries(endpoints).map(([k, v]) => [k, strip(v)])),
      },
    },
    networks: s.networks.map((n) => ({ ...n, endpoint: strip(n.endpoint) })),
  };
}

export function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
