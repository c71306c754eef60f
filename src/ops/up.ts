import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { type EngineContainer, engineContainers } from '../drivers/docker/container-create.ts';
import {
  createAndStart,
  createJoined,
  ensureNetwork,
  ensureVolume,
  joinWithAliases,
  type Owned,
  ownedContainers,
  removeContainer,
  runOnce,
  UnhealthyError,
  waitHealthy,
} from '../drivers/docker/engine.ts';
import {
  endGatedStart,
  endLeftoverStartups,
  endStartupBoost,
  withoutRestartPolicy,
  withStartupBoost,
} from '../drivers/docker/startup-boost.ts';
import {
  CONTROL_PLANE_SOCKET,
  type Dependency,
  LABEL,
  MANAGEMENT_GATE_ROLE,
  type Network,
  PROXY_DNS_VALID_S,
  SHARED,
  type Stack,
  sharedContainer,
} from '../model/index.ts';
import type { Plan } from '../plan/index.ts';
import {
  projectStack,
  prometheusArgs,
  type RenderContext,
  renderServerLayout,
  sharedStack,
} from '../render/index.ts';
import type { Spec } from '../spec/index.ts';
import type { SecretStore, StateStore } from '../state/index.ts';
import { certificatesDue, renewCertificates, webrootDir } from './certificates/renew.ts';
import { certificatePathsIn, ensureSelfSignedCertificates } from './certificates.ts';
import { differs, isConverged, isTransient, type WantedContainer } from './converged.ts';
import { engineLost } from './engine-connection.ts';
import { foreignNames } from './foreign-names.ts';
import { preflight, preflightOptions } from './preflight/index.ts';
import { recordAllocations } from './record-allocations.ts';
import { checkTargets, type RouteCheck, routeFailures, routeTargets } from './route-checks.ts';
import { secretFileArtifacts } from './secret-values.ts';
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
  /** A project's stack to converge instead of the spec's: a recorded release (rollback). */
  stacks?: ReadonlyMap<string, Stack>;
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
  const artifacts = [...renderServerLayout(ctx), ...(await secretFileArtifacts(ctx, opts.secrets))];
  const written = writeArtifacts(opts.serverDir, artifacts);
  for (const k of written.kept) opts.log(`kept ${k}`);
  const files = artifacts.map((a) => a.path);
  if (spec.shared.proxy.tls !== 'none') {
    const nginx = join(opts.serverDir, 'shared', 'nginx');
    const made = ensureSelfSignedCertificates(nginx, artifacts);
    if (made.length) {
      opts.log(
        `self-signed ${spec.shared.proxy.tls === 'letsencrypt' ? 'stand-in ' : ''}certificates for ${made.join(', ')}`,
      );
      written.changed.push(...made.map((m) => `shared/nginx/certs/${m}`));
    }
    for (const c of certificatePathsIn(artifacts))
      files.push(`shared/nginx/${c.cert}`, `shared/nginx/${c.key}`);
  }
  // tls: letsencrypt: the webroot exists before the proxy mounts it, and a certificate still to be
  // issued counts as a change, so that `up` does not take its no-op path before issuing it.
  if (spec.shared.proxy.tls === 'letsencrypt') {
    mkdirSync(webrootDir(opts.serverDir), { recursive: true });
    for (const d of certificatesDue(spec, plan, opts.serverDir))
      if (d.reason) written.changed.push(`shared/nginx/${d.certificate.cert}`);
  }
  // The folder of serve's /metrics socket, which the proxy mounts: it exists before the proxy, and serve may start later.
  if (spec.shared.monitoring.prometheus !== false)
    mkdirSync(join(opts.serverDir, SHARED, CONTROL_PLANE_SOCKET.folder), { recursive: true });
  await recordAllocations(opts.store, plan);
  return { changed: written.changed, removed: written.removed, files };
}

/** The networks a stack owns (not its external ones) and its volumes, created if missing. */
export async function ensureStackResources(
  docker: Docker,
  stack: Stack,
  owns: (network: Network) => boolean = (n) => !n.external,
): Promise<void> {
  for (const n of stack.networks) if (owns(n)) await ensureNetwork(docker, n);
  for (const v of stack.volumes) await ensureVolume(docker, v.name, v.labels);
}

/** Whether a container must be (re)created to match its spec (see `differs`). */
function needsRecreate(s: EngineContainer, c: Owned | undefined): boolean {
  return differs({ hash: s.hash, image: s.container.image, networks: networksOf(s) }, c);
}

/** The networks a container joins: the one it is created on, then the others. */
export function networksOf(s: EngineContainer): string[] {
  const first = s.options.HostConfig?.NetworkMode;
  return [...(first ? [first] : []), ...s.networks.map((n) => n.name)];
}

/** The stacks `up` converges: the shared one and each project's (or the one given for it). */
export interface WantedStacks {
  shared: Stack;
  projects: Map<string, Stack>;
}

export function wantedStacks(ctx: RenderContext, given?: ReadonlyMap<string, Stack>): WantedStacks {
  const shared = sharedStack(ctx, { prometheusArgs: prometheusArgs(ctx.spec) });
  const projects = new Map<string, Stack>();
  for (const p of ctx.spec.projects) {
    const stack = given?.get(p.name) ?? projectStack(ctx, p);
    if (stack) projects.set(p.name, stack);
  }
  return { shared, projects };
}

/** Where `up` wrote a stack's files (its compose file, the secret files its containers read). */
export function stackDir(serverDir: string, stack: Stack): string {
  return stack.name === SHARED ? join(serverDir, SHARED) : join(serverDir, 'projects', stack.name);
}

/** The containers the stacks ask for, as the engine would be given them. */
export function wantedContainers(serverDir: string, { shared, projects }: WantedStacks): WantedContainer[] {
  return [shared, ...projects.values()]
    .flatMap((stack) => engineContainers(stack, stackDir(serverDir, stack)))
    .map((s) => ({
      name: s.name,
      project: s.container.labels[LABEL.project] ?? '',
      hash: s.hash,
      image: s.container.image,
      hasHealthcheck: !!s.container.healthcheck,
      oneOff: !!s.container.oneOff,
      networks: networksOf(s),
    }));
}

/**
 * Whether what runs is already what the spec asks for (`isConverged`). Then `up` has nothing to
 * do (the no-op fast path).
 */
export function isConvergedToSpec(
  ctx: RenderContext,
  serverDir: string,
  owned: readonly Owned[],
  project?: string,
  stacks = wantedStacks(ctx),
  ready?: ReadonlySet<string>,
): boolean {
  return isConverged(wantedContainers(serverDir, stacks), owned, project, ready);
}

export interface UpResult {
  /** Each project's stack as converged. */
  stacks: Map<string, Stack>;
  touched: string[];
  removed: string[];
  failed: { project: string; reason: string }[];
  /** Said, not failed: an unchanged container the engine calls unhealthy. */
  warnings: string[];
  checks: RouteCheck[];
  /** Image reference → the digest it ran as, when this run did the preflight. */
  digests?: Map<string, string>;
}

const DATA = new Set(['postgres', 'redis', 'rabbitmq']);

/** Converges the server to the plan, phase by phase, with health gates; idempotent by spec hash. */
export async function up(given: Spec, plan: Plan, opts: UpOptions): Promise<UpResult> {
  const { docker, log } = opts;
  // 0. Images pulled or built, subnets and ports free, before anything changes (the caller that
  // prepared the server ran the preflight before that).
  const checked = opts.prepared ? undefined : await preflight(given, plan, preflightOptions(opts));
  const spec = checked?.spec ?? given;
  const ctx: RenderContext = { spec, plan };
  const result: UpResult = {
    stacks: new Map(),
    touched: [],
    removed: [],
    failed: [],
    warnings: [],
    checks: [],
  };
  if (checked) result.digests = checked.digests;
  /** App replicas this run started or rolled. */
  const replicas = new Set<string>();
  /** One listing of the environment's containers, read again only after something changed. */
  let snapshot: Promise<Map<string, Owned>> | undefined;

  // 1. The layout and the secret files (mode 0600) the containers read.
  const prepared = opts.prepared ?? (await prepareServer(spec, plan, opts));

  // 2. Networks and volumes: the shared stack owns the shared and edge networks. Names are the
  // engine's, not the environment's: what is not this environment's under one of them stays as it is.
  const { shared, projects: stacks } = wantedStacks(ctx, opts.stacks);
  result.stacks = stacks;
  const projects = spec.projects.filter((p) => !opts.project || p.name === opts.project);
  const foreign = await foreignNames(docker, spec.environment, [shared, ...stacks.values()]);
  if (foreign.length)
    throw new Error(
      `nothing on the engine was changed: ${foreign.join('; ')}. up never removes or takes over what is not this environment's: remove or rename it first`,
    );
  for (const stack of [shared, ...stacks.values()]) await ensureStackResources(docker, stack);

  // 3. The shared stack and the projects, in parallel: a project needs only its networks, which
  // exist already; the proxy is needed only for the route checks at the end.
  const sharedSpecs = engineContainers(shared, stackDir(opts.serverDir, shared));
  /** Every container this run converges, for the check of leftover startup boosts at the end. */
  const wantedSpecs = [...sharedSpecs];
  await Promise.all([
    phase('shared stack', sharedSpecs, 'shared'),
    ...projects.map(async (p) => {
      const stack = stacks.get(p.name);
      if (!stack) return;
      const specs = engineContainers(stack, stackDir(opts.serverDir, stack));
      wantedSpecs.push(...specs);
      const running = specs.filter((s) => !s.container.oneOff);
      const type = (s: EngineContainer) => s.container.labels[LABEL.type] ?? '';
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
        await phase(
          `${p.name}: UI gates`,
          running.filter((s) => type(s) === MANAGEMENT_GATE_ROLE),
          p.name,
        );
        const apps = running.filter((s) => type(s) === 'app');
        const appsChange = await changed(apps);
        // The new replicas are created (not started) while the release step runs: the engine
        // takes about a second to create a container and join its networks.
        const staged = stageRollout(p.name, apps);
        // Awaited after the release step: a failure meanwhile must not count as unhandled.
        staged.catch(() => {});
        try {
          for (const release of specs.filter((s) => s.container.oneOff === 'release')) {
            if (!appsChange.length) break;
            log(`${p.name}: release ${release.container.key}`);
            const r = await runOnce(docker, withStartupBoost(release));
            if (r.code !== 0)
              throw new Error(
                `the release step ${release.container.key} failed (exit ${r.code}):\n${r.logs.trimEnd()}`,
              );
          }
        } catch (e) {
          await staged.then(discardStaged, () => {});
          throw e;
        }
        await rollout(p.name, await staged);
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
        // An engine that went away fails the whole up, named as such (deploy says which engine).
        if (engineLost(e)) throw e;
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

  // 6. Running consumers reread a config that changed (the proxy also after any change but app
  // replicas, which it finds per request through DNS: a reload closes its idle keep-alive connections,
  // and a client reusing one just then sees it reset); one recreated in this run has read it already.
  const reread = (dir: string) => prepared.changed.some((f) => f.startsWith(`shared/${dir}/`));
  for (const [component, dir] of [
    ['proxy', 'nginx'],
    ['prometheus', 'prometheus'],
    ['alertmanager', 'alertmanager'],
  ] as const) {
    const name = sharedContainer(component);
    if (result.touched.includes(name)) continue;
    if (reread(dir) || (component === 'proxy' && result.touched.some((t) => !replicas.has(t)))) {
      await docker
        .getContainer(name)
        .kill({ signal: 'SIGHUP' })
        .catch(() => {});
    }
  }
  // 7. tls: letsencrypt: the certificates still to be issued (or renewed), now that the proxy serves
  // the ACME challenges; a host that fails keeps its stand-in, and up fails saying why.
  if (spec.shared.proxy.tls === 'letsencrypt') {
    const certs = await renewCertificates({ spec, plan, serverDir: opts.serverDir, docker, log });
    for (const f of certs.failed)
      result.failed.push({
        project: 'shared',
        reason: `no certificate for ${f.host} (the proxy keeps serving ${f.standIn ? 'its self-signed stand-in' : 'the installed one'}): ${f.reason}`,
      });
  }
  const standing = projects.filter((p) => !result.failed.some((f) => f.project === p.name));
  const [checks, restored] = await Promise.all([
    checkTargets(routeTargets(spec, plan, standing)),
    endLeftoverStartups(docker, wantedSpecs),
  ]);
  result.checks.push(...checks);
  if (restored.length)
    log(
      `back at the spec's CPU limit and restart policy (a start cut short changed them): ${restored.join(', ')}`,
    );
  result.failed.push(...routeFailures(result.checks));
  return result;

  function current(): Promise<Map<string, Owned>> {
    if (!snapshot)
      snapshot = ownedContainers(docker, spec.environment).then(
        (list) => new Map(list.map((c) => [c.name, c])),
      );
    return snapshot;
  }

  async function changed(specs: EngineContainer[]): Promise<EngineContainer[]> {
    const owned = await current();
    return specs.filter((s) => {
      return needsRecreate(s, owned.get(s.name));
    });
  }

  /** Recreates what changed, then waits for every container of the phase to be healthy. */
  async function phase(name: string, specs: EngineContainer[], _project: string): Promise<void> {
    const todo = await changed(specs);
    if (todo.length) log(`${name}: ${todo.map((s) => s.name).join(', ')}`);
    // A container starts once what it depends on within the phase has started (or is healthy, if
    // it says so): nginx's exporter exits at once if the proxy does not answer yet.
    const started = new Map<string, Promise<void>>();
    const healthy = new Map<string, Promise<void>>();
    const byKey = new Map(specs.map((s) => [s.container.key, s]));
    const ready = (dep: Dependency): Promise<void> | undefined => {
      const d = byKey.get(dep.key);
      if (!d) return undefined;
      if (dep.condition === 'started') return started.get(d.name);
      let h = healthy.get(d.name);
      if (!h) {
        h = (started.get(d.name) ?? Promise.resolve()).then(() => waitHealthy(docker, d.name));
        healthy.set(d.name, h);
      }
      return h;
    };
    /** Started with the startup boost, not yet back at their CPU limit. */
    const boosted = new Map<string, EngineContainer>();
    const unboost = async (s: EngineContainer) => {
      if (!boosted.delete(s.name)) return;
      await endStartupBoost(docker, s.name, s);
    };
    for (const s of todo)
      started.set(
        s.name,
        Promise.resolve().then(async () => {
          await Promise.all((s.container.dependsOn ?? []).map(ready));
          await removeContainer(docker, s.name);
          boosted.set(s.name, s);
          await createAndStart(docker, withStartupBoost(s));
          result.touched.push(s.name);
        }),
      );
    try {
      await Promise.all([...started.values(), ...healthy.values()]);
      const owned = await current();
      if (todo.length) snapshot = undefined;
      // Unchanged containers that were already healthy need no second look.
      const settled = (s: EngineContainer) =>
        !todo.includes(s) && owned.get(s.name)?.health === (s.container.healthcheck ? 'healthy' : undefined);
      // health: a flapping check of an unchanged container warns, it does not block the deploy
      await Promise.all(
        specs
          .filter((s) => !settled(s))
          .map((s) =>
            waitHealthy(docker, s.name)
              .then(() => unboost(s))
              .catch((e: unknown) => {
                if (todo.includes(s) || !(e instanceof UnhealthyError)) throw e;
                result.warnings.push(unchangedUnhealthy(e));
              }),
          ),
      );
    } finally {
      await Promise.all([...boosted.values()].map((s) => unboost(s).catch(() => {})));
    }
    // end health
  }

  /**
   * The replicas of a rollout, and the new containers of those that run, created beside them
   * under a temporary name on their first network only, without aliases (started later, once the
   * release step has run).
   */
  async function stageRollout(project: string, specs: EngineContainer[]): Promise<StagedRollout> {
    if (await resumeRollouts(docker, spec.environment, project, specs)) snapshot = undefined;
    const todo = await changed(specs);
    if (!todo.length) return { todo, fresh: [], rolled: [] };
    const owned = await current();
    const running = (s: EngineContainer) => owned.get(s.name)?.state === 'running';
    const fresh = todo.filter((s) => !running(s));
    const rolled = todo
      .filter(running)
      .map((s) => ({ spec: stripFixedAddresses(s), next: `${s.name}-next` }));
    const created = await Promise.allSettled(
      rolled.map(async (r) => {
        await removeContainer(docker, r.next);
        await createJoined(
          docker,
          withoutRestartPolicy(withStartupBoost(onFirstNetworkOnly(r.spec))),
          r.next,
        );
      }),
    );
    const failed = created.find((c) => c.status === 'rejected');
    if (failed) {
      await discardStaged({ todo, fresh, rolled });
      throw failed.reason;
    }
    return { todo, fresh, rolled };
  }

  async function discardStaged(staged: StagedRollout): Promise<void> {
    await Promise.all(staged.rolled.map((r) => removeContainer(docker, r.next)));
  }

  /**
   * Apps roll all their replicas at once (a surge of up to `replicas`): each new container starts
   * beside its old one under a temporary name and answers to the same alias. Once every new one has
   * passed its health gate and no answer of the proxy's DNS cache can still lack them, the old ones
   * stop together: a stop is graceful (the app answers what it was asked, and a connection it no
   * longer accepts is reset before any answer, which the proxy retries on another replica), and the
   * new ones take their names. If a gate fails, the new containers go and the old ones keep serving.
   */
  async function rollout(project: string, { todo, fresh, rolled }: StagedRollout): Promise<void> {
    if (!todo.length) return;
    if (fresh.length) log(`${project}: starting ${fresh.map((s) => s.name).join(', ')}`);
    if (rolled.length) log(`${project}: rolling ${rolled.map((r) => r.spec.name).join(', ')}`);
    let joined = 0;
    const gates = await Promise.allSettled([
      ...fresh.map(async (s) => {
        await removeContainer(docker, s.name);
        await createAndStart(docker, withStartupBoost(s));
        try {
          await waitHealthy(docker, s.name);
        } finally {
          await endStartupBoost(docker, s.name, s).catch(() => {});
        }
      }),
      // Without its aliases until it passes the gate: the proxy (and the project's other
      // services) must not send a request to a replica that is not healthy yet.
      ...rolled.map(async (r) => {
        try {
          await docker.getContainer(r.next).start();
          await waitHealthy(docker, r.next);
          await endGatedStart(docker, r.next, r.spec);
          await joinWithAliases(docker, r.next, r.spec);
          joined = Date.now();
        } catch (e) {
          throw new Error(
            `the new ${r.spec.name} failed its health gate, the old one keeps serving: ${(e as Error).message}`,
          );
        }
      }),
    ]);
    snapshot = undefined;
    const failed = gates.find((g) => g.status === 'rejected');
    if (failed) {
      await discardStaged({ todo, fresh, rolled });
      throw failed.reason;
    }
    for (const s of todo) replicas.add(s.name);
    result.touched.push(...fresh.map((s) => s.name));
    if (!rolled.length) return;
    await sleep(proxyDnsFreshAt(joined) - Date.now());
    await Promise.all(
      rolled.map(async (r) => {
        await removeContainer(docker, r.spec.name);
        await docker.getContainer(r.next).rename({ name: r.spec.name });
        result.touched.push(r.spec.name);
      }),
    );
  }
}

/** A rollout's replicas: those not running (started in place) and those rolled beside a new one. */
interface StagedRollout {
  todo: EngineContainer[];
  fresh: EngineContainer[];
  rolled: { spec: EngineContainer; next: string }[];
}

/**
 * When every answer the proxy's DNS cache may hold was asked after `joined` (ms since the epoch).
 * nginx keeps an answer while `ngx_time() <= asked + valid`, in whole seconds: one asked in second
 * T serves until the clock reaches T + valid + 1, and any answer without the new replicas was asked
 * in the second of `joined` or before. nginx reads the clock once per turn of its event loop: the
 * 100 ms margin covers a turn that began before the second passed.
 */
export function proxyDnsFreshAt(joined: number): number {
  return (Math.floor(joined / 1000) + PROXY_DNS_VALID_S + 1) * 1000 + 100;
}

/**
 * A rollout cut short (an `up` killed) after the old replica stopped leaves the new one running
 * under its temporary name, healthy and serving: it is finished here (the old one removed, the new
 * one named), not replaced by a fresh start that the proxy would route to before it is healthy.
 */
async function resumeRollouts(
  docker: Docker,
  environment: string,
  project: string,
  specs: EngineContainer[],
): Promise<boolean> {
  const running = new Map(
    (await ownedContainers(docker, environment, project)).map((c) => [c.name, c.state === 'running']),
  );
  let resumed = false;
  for (const s of specs) {
    const next = `${s.name}-next`;
    if (running.get(s.name) || !running.get(next)) continue;
    await removeContainer(docker, s.name);
    await docker.getContainer(next).rename({ name: s.name });
    resumed = true;
  }
  return resumed;
}

/**
 * A container this `up` did not change, which the engine's check calls unhealthy though it runs: a
 * check that flaps (or a service in trouble) must not block the deploy of what did change, and is said.
 */
function unchangedUnhealthy(e: UnhealthyError): string {
  const said = e.output.split('\n')[0]?.trim();
  const output = said ? ` (its check said: ${said})` : '';
  return `${e.container}: the engine calls it unhealthy${output}; it was not changed by this up, so the deploy went on`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * The container on the network it is created on, without its aliases (reachable by its own name
 * only), and on none of its other networks: each network joined at start costs the engine a
 * tenth of a second or more, and a new replica joins them once it has passed its gate.
 */
function onFirstNetworkOnly(s: EngineContainer): EngineContainer {
  return { ...mapEndpoints(s, ({ Aliases: _, ...rest }) => rest), networks: [] };
}

/** A replacement replica takes an address from the engine's range; the old one still holds the fixed one. */
function stripFixedAddresses(s: EngineContainer): EngineContainer {
  return mapEndpoints(s, ({ IPAMConfig: _, ...rest }) => rest);
}

function mapEndpoints(
  s: EngineContainer,
  strip: (e: Docker.EndpointSettings) => Docker.EndpointSettings,
): EngineContainer {
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
