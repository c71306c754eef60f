import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { listOwnedOnSocket } from '../drivers/docker/socket.ts';
import { readyWhileStarting } from '../drivers/readiness.ts';
import type { Plan } from '../plan/index.ts';
import { type Diagnostic, formatDiagnostic, type Spec } from '../spec/index.ts';
import type { ReleaseRecord, SecretStore, StateStore } from '../state/index.ts';
import { type AnalysisOutcome, analyseRelease, toAnalyse } from './deploy-analysis/analyse.ts';
import { connectEngine, lostEngineFailure } from './engine-connection.ts';
import { withEngineLock } from './engine-lock.ts';
import { OperationFailed } from './failure.ts';
import { lostCredentials } from './lost-credentials.ts';
import { buildContexts, preflight, preflightOptions } from './preflight/index.ts';
import { recordRelease } from './releases.ts';
import { checkTargets, routeFailures, routeTargets } from './route-checks.ts';
import {
  isConvergedToSpec,
  type Prepared,
  prepareServer,
  type UpResult,
  up,
  wantedContainers,
  wantedStacks,
} from './up.ts';
import { inputFiles, inputsKey, stampFiles, stampTree, writeUpRecord } from './up-record.ts';

/** How long an automatic rollback waits for the engine lock (another project's rollback may hold it). */
const ROLLBACK_LOCK_WAIT_MS = 10 * 60_000;

/** `up` refused to start: a data volume's credential is gone from the secret store. Nothing was changed. */
export class CredentialsLost extends OperationFailed {}

/** The variables, recording which are read (those the spec names go into the up record's key). */
export function recordingEnv(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; read: Set<string> } {
  const read = new Set<string>();
  const proxy = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name);
    },
  });
  return { env: proxy, read };
}

export interface DeployOptions {
  spec: Spec;
  plan: Plan;
  /** The spec's and the plan's diagnostics (warnings only by now): a no-op `up` repeats them. */
  diagnostics: readonly Diagnostic[];
  store: StateStore;
  secrets: SecretStore;
  serverDir: string;
  project?: string | undefined;
  /** The variables the engine is reached with (DOCKER_HOST, the SSH ones) and the up record's key reads. */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Where the up record goes and what went into the spec; none: no record (the state is in PostgreSQL). */
  record?: UpRecordInputs | undefined;
  /** How long to wait for another operation's engine lock; none: refuse at once. */
  waitMs?: number | undefined;
  /** Who asked for it (`stagecraft deploy`): each release records them, and the event is a `deploy`. */
  actor?: string | undefined;
  /** The engine already open (`serve`'s); none: connect to the spec's `server.host`. */
  docker?: Docker | undefined;
}

export interface Deployed extends UpResult {
  /** The release recorded for each project this run converged. */
  releases: ReleaseRecord[];
  /** The deploy analysis of each release that had one (`deploy.analysis`, an app changed). */
  analyses: AnalysisOutcome[];
}

export interface UpRecordInputs {
  path: string;
  specPath: string;
  /** The spec's text as loaded: the record is written only if the file still holds it. */
  specText: string;
  /** The variables loading the spec read. */
  envNames: ReadonlySet<string>;
  secretsDir: string;
}

/**
 * `up` as the CLI (and the API, and `deploy`) run it: refuse when a data volume's credential is
 * lost, preflight (images, subnets, ports), write the layout, converge (or see that nothing is to
 * do), record each project's release (with its digests) and an `up` or `deploy` event, and, when
 * every project converged, the up record the no-op fast path reads.
 */
export async function deploy(opts: DeployOptions): Promise<Deployed> {
  // The engine's lock, around the whole of it (safety: one rollout at a time per engine).
  const docker = opts.docker ?? (await connectEngine(opts.spec.server.host, opts.env));
  const verb = opts.actor ? 'deploy' : 'up';
  const command = opts.project ? `${verb} ${opts.project}` : verb;
  const deployed = await withEngineLock(docker, { command, waitMs: opts.waitMs, log: opts.log }, () =>
    converge(opts, docker),
  ).catch((e: unknown) => {
    throw lostEngineFailure(e, command, opts.spec.server.host, opts.env);
  });
  // Outside the lock: a window of minutes must not hold every other operation off; a rollback takes it again.
  // Projects are watched side by side; a rollback waits for another's lock rather than be refused.
  const env = { spec: opts.spec, plan: opts.plan, docker, store: opts.store, serverDir: opts.serverDir };
  const lockWait = Math.max(opts.waitMs ?? 0, ROLLBACK_LOCK_WAIT_MS);
  const analyses: AnalysisOutcome[] = await Promise.all(
    toAnalyse(opts.spec, deployed.releases, deployed.touched).map((target) =>
      analyseRelease({ ...env, secrets: opts.secrets }, target, opts.log, lockWait),
    ),
  );
  return { ...deployed, analyses };
}

async function converge(opts: DeployOptions, docker: Docker): Promise<Omit<Deployed, 'analyses'>> {
  const { plan, store, secrets, serverDir, project, actor, log } = opts;
  const engine = async () => docker;
  const lost = await lostCredentials(opts.spec, secrets, engine);
  if (lost.length) throw new CredentialsLost(`nothing was changed:\n${lost.join('\n')}`);
  // Images pulled or built, subnets and ports free, before anything is written; the spec from here
  // on runs each `build:` service as the tag of its context.
  const checked = await preflight(
    opts.spec,
    plan,
    preflightOptions({ docker, secrets, log, ...(project ? { project } : {}) }),
  );
  const spec = checked.spec;
  const prepared = await prepareServer(spec, plan, { store, secrets, serverDir, log });
  const result =
    (await alreadyConverged(spec, plan, serverDir, prepared, project, opts.env)) ??
    (await up(spec, plan, {
      docker: await engine(),
      store,
      secrets,
      serverDir,
      prepared,
      ...(project ? { project } : {}),
      log,
    }));
  const releases: ReleaseRecord[] = [];
  for (const p of spec.projects.filter((x) => !project || x.name === project)) {
    const failed = result.failed.find((f) => f.project === p.name);
    const stack = result.stacks.get(p.name);
    const release =
      stack &&
      (await recordRelease(store, p.name, stack, {
        ...(failed ? { failed: failed.reason } : {}),
        ...(actor ? { reason: `deploy by ${actor}`, actor } : {}),
        digests: checked.digests,
      }));
    if (release) releases.push(release);
    await store.addEvent({
      project: p.name,
      kind: actor ? 'deploy' : 'up',
      message: eventMessage(actor, failed?.reason),
      data: {
        touched: result.touched.filter((n) => n.startsWith(`${p.name}-`)),
        warnings: result.warnings.filter((w) => w.startsWith(`${p.name}-`)),
        ...(actor && release ? { release: release.id, actor, images: release.images } : {}),
      },
    });
  }
  const record = opts.record;
  // Only when the spec is still the text this run converged to.
  if (!result.failed.length && record && readFileSync(record.specPath, 'utf8') === record.specText)
    writeUpRecord(record.path, {
      key: inputsKey({
        specPath: record.specPath,
        specText: record.specText,
        env: opts.env,
        envNames: [...record.envNames],
        serverDir,
        allocations: await store.loadAllocations(),
      }),
      envNames: [...record.envNames].sort(),
      inputFiles: [...inputFiles(record.secretsDir), ...buildContexts(spec).flatMap(stampTree)],
      environment: spec.environment,
      host: spec.server.host,
      projects: spec.projects.map((p) => p.name),
      warnings: opts.diagnostics.map(formatDiagnostic),
      layout: stampFiles(serverDir, prepared.files),
      wanted: wantedContainers(serverDir, wantedStacks({ spec, plan })),
      routes: routeTargets(spec, plan, spec.projects),
    });
  return { ...result, releases };
}

/** `up`'s event says whether it converged; `deploy`'s says who made it, too. */
function eventMessage(actor: string | undefined, failed: string | undefined): string {
  if (!actor) return failed ? `failed: ${failed}` : 'converged';
  return failed ? `deploy by ${actor} failed: ${failed}` : `deployed by ${actor}`;
}

/**
 * The no-op path of the full `up`: when no file of the layout changed and one look at the local
 * engine shows every container as the spec wants it, only the routes are tried, and the full
 * engine client is never loaded. Undefined when there is something to do (or the engine is not a
 * local socket). (The CLI's `up-fast.ts` gets there sooner, without the spec, when nothing changed at all.)
 */
async function alreadyConverged(
  spec: Spec,
  plan: Plan,
  serverDir: string,
  prepared: Prepared,
  project: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<UpResult | undefined> {
  if (prepared.changed.length || prepared.removed.length) return undefined;
  const owned = await listOwnedOnSocket(spec.server.host, env, spec.environment);
  if (!owned) return undefined;
  const stacks = wantedStacks({ spec, plan });
  const ready = await readyWhileStarting(owned);
  if (!isConvergedToSpec({ spec, plan }, serverDir, owned, project, stacks, ready)) return undefined;
  const projects = spec.projects.filter((p) => !project || p.name === project);
  const checks = await checkTargets(routeTargets(spec, plan, projects));
  return {
    stacks: stacks.projects,
    touched: [],
    removed: [],
    failed: routeFailures(checks),
    warnings: [],
    checks,
  };
}
