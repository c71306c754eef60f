import type { EventRecord, SecretStore, StateStore } from '../state/index.ts';
import { backupProject } from './backup/run.ts';
import { verifyRestore } from './backup/verify.ts';
import { runCronService } from './cron-run.ts';
import type { RunningEnvironment } from './running-environment.ts';
import {
  type DueJob,
  dueJobs,
  type Job,
  type JobHistory,
  type JobKind,
  jobKey,
  nextSlot,
} from './schedule.ts';

/**
 * The scheduler of `stagecraft serve`: runs the spec's backups, restore checks and cron services
 * when they are due (schedule.ts decides), one at a time per project and projects in parallel.
 * Every run is an event in the store (kind `cron`, `backup` or `verify-restore`); the last runs are
 * read back from those events at start, so a restart does not run anything again.
 */

/** What a run came to. `data` is kept in the run's event beside the scheduler's own fields. */
export interface JobOutcome {
  ok: boolean;
  /** The exit code of the run's container, or null when it has none (timed out, not a container). */
  code?: number | null;
  message?: string;
  logTail?: string;
  data?: Record<string, unknown>;
  /**
   * The executor recorded the run's event itself (the backup operations do, for manual runs too),
   * so the scheduler records none. A failed run (a thrown error) is always recorded by the scheduler.
   */
  recorded?: boolean;
}

/** Runs one job to its end. A thrown error is a failed run, recorded with its message. */
export type JobExecutor = (job: Job) => Promise<JobOutcome>;

/** One executor per kind of job; a kind with none is not scheduled (the runner says so once). */
export type JobExecutors = { [K in JobKind]?: JobExecutor };

export interface SchedulerOptions {
  store: StateStore;
  jobs: readonly Job[];
  executors: JobExecutors;
  /** The clock; tests pass a simulated one. */
  now?: () => Date;
  /** How often the loop looks at the clock at most (it also wakes at the next scheduled minute). */
  tickMs?: number;
  log?: (line: string) => void;
}

export interface Scheduler {
  /** Looks at the clock once and queues what is due (the loop does this on its own). */
  tick(): Promise<void>;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  /** Stops queueing, lets each project's running job finish, drops the queued ones, and resolves. */
  stop(): Promise<void>;
}

/** Kind of the event that records when the scheduler first saw a job (see `dueJobs`). */
export const SCHEDULE_EVENT = 'schedule';

const DEFAULT_TICK_MS = 5_000;

/** Reads the jobs' history from the store, records the jobs it sees for the first time, and starts the loop. */
export async function startScheduler(opts: SchedulerOptions): Promise<Scheduler> {
  const clock = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => {});
  const tickMs = opts.tickMs ?? DEFAULT_TICK_MS;
  const jobs = opts.jobs.filter((j) => opts.executors[j.kind]);
  for (const kind of new Set(opts.jobs.filter((j) => !opts.executors[j.kind]).map((j) => j.kind)))
    log(`no ${kind} executor: ${kind} jobs are not scheduled`);

  const history = await readJobHistory(opts.store, jobs);
  for (const job of jobs) {
    if (history.has(jobKey(job))) continue;
    const firstSeen = clock();
    await opts.store.addEvent({
      project: job.project,
      kind: SCHEDULE_EVENT,
      message: `${job.kind} of ${job.service} scheduled: ${job.schedule}`,
      data: { job: jobKey(job), kind: job.kind, service: job.service, schedule: job.schedule.text },
      at: firstSeen.toISOString(),
    });
    history.set(jobKey(job), { firstSeen });
  }

  /** Each project's queue: the promise of its last queued run. */
  const queues = new Map<string, Promise<void>>();
  /** Jobs queued or running, so a job that stays due while it waits is not queued twice. */
  const pending = new Set<string>();
  let stopping = false;

  async function run({ job, slot }: DueJob): Promise<void> {
    const key = jobKey(job);
    if (stopping) {
      pending.delete(key);
      return;
    }
    const startedAt = clock();
    const started = performance.now();
    let outcome: JobOutcome;
    try {
      outcome = await opts.executors[job.kind]!(job);
    } catch (e) {
      outcome = { ok: false, code: null, message: (e as Error).message };
    }
    const durationMs = Math.round(performance.now() - started);
    const finishedAt = clock();
    history.set(key, { ...history.get(key)!, lastRun: startedAt });
    pending.delete(key);
    const code = outcome.code ?? null;
    const verdict = outcome.ok ? 'succeeded' : 'failed';
    const detail = [code !== null ? `exit ${code}` : undefined, outcome.message].filter(Boolean).join(': ');
    const message = `${job.kind} ${job.service} ${verdict}${detail ? ` (${detail})` : ''} in ${(durationMs / 1000).toFixed(1)} s`;
    log(`${job.project}: ${message}`);
    if (outcome.recorded) return;
    try {
      await opts.store.addEvent({
        project: job.project,
        kind: job.kind,
        message,
        at: finishedAt.toISOString(),
        data: {
          ...outcome.data,
          service: job.service,
          schedule: job.schedule.text,
          slot: slot.toISOString(),
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          durationMs,
          ok: outcome.ok,
          outcome: verdict,
          code,
          ...(outcome.message ? { message: outcome.message } : {}),
          ...(outcome.logTail !== undefined ? { logTail: outcome.logTail } : {}),
        },
      });
    } catch (e) {
      // The run happened; only its record is missing. The loop goes on, and says so.
      log(`${job.project}: could not record the ${job.kind} run of ${job.service}: ${(e as Error).message}`);
    }
  }

  async function tick(): Promise<void> {
    if (stopping) return;
    for (const due of dueJobs(jobs, history, clock())) {
      const key = jobKey(due.job);
      if (pending.has(key)) continue;
      pending.add(key);
      const previous = queues.get(due.job.project) ?? Promise.resolve();
      queues.set(
        due.job.project,
        previous.then(() => run(due)),
      );
    }
  }

  async function idle(): Promise<void> {
    // A run may finish while another tick queues more: wait until the queues stop changing.
    let waiting: Promise<void>[];
    do {
      waiting = [...queues.values()];
      await Promise.all(waiting);
    } while (queues.size !== waiting.length || [...queues.values()].some((q, i) => q !== waiting[i]));
  }

  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const loop = (async () => {
    while (!stopping) {
      await tick();
      const now = clock();
      const next = nextSlot(jobs, now);
      const wait = next ? Math.min(tickMs, Math.max(0, next.getTime() - now.getTime())) : tickMs;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, wait);
      });
    }
  })();

  return {
    tick,
    idle,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      wake?.();
      await loop;
      await idle();
    },
  };
}

/**
 * The executors `stagecraft serve` runs with: cron services through `runCronService`; backups
 * through the backup operations (then the project's retention, as `stagecraft backup` does); and
 * restore checks on the service's newest backup. The backup operations record their own events.
 */
export function serveExecutors(
  env: RunningEnvironment & { secrets: SecretStore },
  now: () => Date = () => new Date(),
): JobExecutors {
  const projectOf = (name: string) => {
    const p = env.spec.projects.find((x) => x.name === name);
    if (!p) throw new Error(`no project ${name} in the spec`);
    return p;
  };
  return {
    async cron(job) {
      const r = await runCronService(env, job.project, job.service);
      return { ok: r.ok, code: r.code, logTail: r.logTail, ...(r.message ? { message: r.message } : {}) };
    },
    async backup(job) {
      const r = await backupProject(env, projectOf(job.project), { service: job.service, now: now() });
      const failure = r.failures[0];
      if (failure) return { ok: false, recorded: true, message: failure.reason };
      return {
        ok: true,
        recorded: true,
        data: { ids: r.taken.map((b) => b.id), pruned: r.pruned.map((b) => b.id), remote: r.remote.uploaded },
      };
    },
    async 'verify-restore'(job) {
      const project = projectOf(job.project);
      const newest = (await env.store.listBackups(job.project))
        .filter((b) => b.service === job.service)
        .at(-1);
      if (!newest) return { ok: false, message: 'no backup to verify yet' };
      const v = await verifyRestore(env, project, newest, now);
      return { ok: v.verdict === 'pass', recorded: true, message: v.detail, data: { id: newest.id } };
    },
  };
}

/**
 * Each job's history from the store: its last run (the newest event of its kind, project and
 * service; `data.startedAt`, or the event's time) and when the scheduler first saw it. A job with
 * neither is absent from the map.
 */
export async function readJobHistory(
  store: StateStore,
  jobs: readonly Job[],
): Promise<Map<string, JobHistory>> {
  const runs = await latestRunEvents(store, jobs);
  const seen = new Map<string, Date>();
  for (const e of await store.listEvents({ kind: SCHEDULE_EVENT })) {
    const key = (e.data as { job?: unknown } | null)?.job;
    // Newest first: the last one written for a key is its first sighting.
    if (typeof key === 'string') seen.set(key, new Date(e.at));
  }
  const history = new Map<string, JobHistory>();
  for (const job of jobs) {
    const key = jobKey(job);
    const event = runs.get(key);
    const lastRun = event ? runStart(event) : undefined;
    const firstSeen = seen.get(key) ?? lastRun;
    if (firstSeen) history.set(key, { firstSeen, ...(lastRun ? { lastRun } : {}) });
  }
  return history;
}

/**
 * The newest run event of each job (by `jobKey`). Fetched per project and kind, newest first, with
 * a limit that doubles until every service of the group is found: a cron job running every minute
 * leaves many events, and the newest are what matter.
 */
export async function latestRunEvents(
  store: StateStore,
  jobs: readonly Job[],
): Promise<Map<string, EventRecord>> {
  const groups = new Map<string, { project: string; kind: JobKind; services: Set<string> }>();
  for (const j of jobs) {
    const g = `${j.project}\n${j.kind}`;
    if (!groups.has(g)) groups.set(g, { project: j.project, kind: j.kind, services: new Set() });
    groups.get(g)!.services.add(j.service);
  }
  const out = new Map<string, EventRecord>();
  for (const { project, kind, services } of groups.values()) {
    for (let limit = 64; ; limit *= 4) {
      const events = await store.listEvents({ project, kind, limit });
      const found = new Map<string, EventRecord>();
      for (const e of events) {
        const service = (e.data as { service?: unknown } | null)?.service;
        if (typeof service === 'string' && services.has(service) && !found.has(service))
          found.set(service, e);
      }
      if (found.size === services.size || events.length < limit) {
        for (const [service, e] of found) out.set(jobKey({ kind, project, service }), e);
        break;
      }
    }
  }
  return out;
}

function runStart(e: EventRecord): Date {
  const started = (e.data as { startedAt?: unknown } | null)?.startedAt;
  const d = typeof started === 'string' ? new Date(started) : new Date(e.at);
  return Number.isNaN(d.getTime()) ? new Date(e.at) : d;
}
