import { verifySchedule } from '../model/index.ts';
import type { CronSchedule, Spec } from '../spec/index.ts';

/**
 * What `stagecraft serve` runs and when: the jobs a spec asks for, and which of them are due. Pure:
 * the runner (serve.ts) passes in what it read from the store and the clock.
 */

export type JobKind = 'backup' | 'verify-restore' | 'cron';

export interface Job {
  project: string;
  service: string;
  kind: JobKind;
  schedule: CronSchedule;
}

/** What the scheduler knows of a job: when it last started a run, and when it first saw the job. */
export interface JobHistory {
  lastRun?: Date;
  /** When the scheduler first saw the job (recorded once, so it survives restarts). */
  firstSeen: Date;
}

export interface DueJob {
  job: Job;
  /** The scheduled minute this run stands for: the latest one at or before now. */
  slot: Date;
}

/** Identifies a job across restarts and schedule edits: `cron:shop/report`. */
export function jobKey(job: Pick<Job, 'kind' | 'project' | 'service'>): string {
  return `${job.kind}:${job.project}/${job.service}`;
}

/** Within one project's queue: a backup first, then its verification, then cron services. */
const ORDER: Record<JobKind, number> = { backup: 0, 'verify-restore': 1, cron: 2 };

/**
 * Every scheduled job of the spec: each backed-up PostgreSQL service's backup and (unless `verify:
 * false`) its restore check, and each cron service. A cron service with `replicas: 0` is suspended
 * (as a Kubernetes CronJob's `suspend`), so it has no job.
 */
export function scheduledJobs(spec: Spec): Job[] {
  const jobs: Job[] = [];
  for (const p of spec.projects) {
    for (const s of p.services) {
      // A preview's data is a copy, gone with it: it is not backed up.
      if (s.type === 'postgres' && s.backup && !p.previewOf) {
        jobs.push({ project: p.name, service: s.name, kind: 'backup', schedule: s.backup.schedule });
        if (s.backup.verify !== false)
          jobs.push({
            project: p.name,
            service: s.name,
            kind: 'verify-restore',
            schedule: verifySchedule(s.backup.schedule, s.backup.verify),
          });
      }
      if (s.type === 'cron' && s.replicas > 0)
        jobs.push({ project: p.name, service: s.name, kind: 'cron', schedule: s.schedule });
    }
  }
  return jobs.sort(byOrder);
}

/**
 * The jobs to run now. A job is due when its latest scheduled minute at or before `now` is later
 * than its last run: after downtime the missed runs collapse into one, not one per missed slot.
 *
 * A job that never ran is due once a slot has passed since the scheduler first saw it (its
 * `firstSeen`, recorded in the store), not on sight: starting `serve` for the first time, or adding
 * a job to the spec, does not fire every job at once. A job with no history at all (not seen yet) is
 * never due; the runner records it as seen first.
 */
export function dueJobs(jobs: readonly Job[], history: ReadonlyMap<string, JobHistory>, now: Date): DueJob[] {
  const due: DueJob[] = [];
  for (const job of jobs) {
    const h = history.get(jobKey(job));
    if (!h) continue;
    const since = h.lastRun ?? h.firstSeen;
    const slot = job.schedule.lastAtOrBefore(now);
    if (slot.getTime() > since.getTime()) due.push({ job, slot });
  }
  return due.sort((a, b) => byOrder(a.job, b.job));
}

/** The next scheduled minute of any job strictly after `now`: when the runner should look again. */
export function nextSlot(jobs: readonly Job[], now: Date): Date | undefined {
  let next: Date | undefined;
  for (const job of jobs) {
    const t = job.schedule.next(now);
    if (!next || t < next) next = t;
  }
  return next;
}

function byOrder(a: Job, b: Job): number {
  return (
    a.project.localeCompare(b.project) || ORDER[a.kind] - ORDER[b.kind] || a.service.localeCompare(b.service)
  );
}
