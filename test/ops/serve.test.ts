import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Job, jobKey } from '../../src/ops/schedule.ts';
import { type JobExecutors, readJobHistory, SCHEDULE_EVENT, startScheduler } from '../../src/ops/serve.ts';
import { parseCron } from '../../src/spec/index.ts';
import { openStore, type StateStore } from '../../src/state/index.ts';

const root = mkdtempSync(join(tmpdir(), 'stagecraft-serve-'));
after(() => rmSync(root, { recursive: true, force: true }));
let stores = 0;
const freshStore = () => openStore({ path: join(root, `state-${++stores}.db`) });

function job(schedule: string, kind: Job['kind'], project: string, service: string): Job {
  const r = parseCron(schedule);
  assert.ok(r.ok);
  return { project, service, kind, schedule: r.cron };
}

/** A clock the test moves by hand, and that counts how often the scheduler has read it. */
function simulatedClock(iso: string) {
  let t = Date.parse(iso);
  let reads = 0;
  return {
    now: () => {
      reads++;
      return new Date(t);
    },
    advance(ms: number) {
      t += ms;
    },
    /** Resolves once the loop has read the clock `n` more times (each tick reads it twice). */
    async readsMore(n: number) {
      const target = reads + n;
      await eventually(() => reads >= target, `${n} more clock reads`);
    },
  };
}

/** Polls until `check` holds (the loop ticks every few milliseconds in these tests). */
async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const runsOf = async (store: StateStore, kind = 'cron') => (await store.listEvents({ kind })).reverse();

describe('the scheduler loop, on a simulated clock with a real SQLite store', () => {
  test('first start runs nothing; a slot runs once; after days down, a restart runs the missed job once', async () => {
    const store = await freshStore();
    const clock = simulatedClock('2030-01-01T10:00:30Z');
    const every = job('*/1 * * * *', 'cron', 'lab', 'tick');
    const ran: string[] = [];
    const executors: JobExecutors = {
      cron: async () => {
        ran.push(clock.now().toISOString());
        return { ok: true, code: 0, logTail: 'tick\n' };
      },
    };
    let scheduler = await startScheduler({ store, jobs: [every], executors, now: clock.now, tickMs: 2 });
    await clock.readsMore(20); // ten ticks
    await scheduler.idle();
    assert.deepEqual(ran, [], 'the job is seen, not run');
    const seen = await store.listEvents({ kind: SCHEDULE_EVENT });
    assert.equal(seen.length, 1);
    assert.equal((seen[0]!.data as { job: string }).job, jobKey(every));

    clock.advance(30_000); // 10:01:00, a slot
    await eventually(() => ran.length === 1, 'the 10:01 run');
    await clock.readsMore(20); // ten more ticks, which must queue nothing
    await scheduler.idle();
    assert.equal(ran.length, 1, 'one run for one slot, however many ticks');
    await scheduler.stop();

    // Three days down, then a new process: the history comes from the store.
    clock.advance(3 * 86400_000 + 12_000);
    const history = await readJobHistory(store, [every]);
    assert.equal(history.get(jobKey(every))?.lastRun?.toISOString(), '2030-01-01T10:01:00.000Z');
    scheduler = await startScheduler({ store, jobs: [every], executors, now: clock.now, tickMs: 2 });
    await eventually(() => ran.length === 2, 'the missed run');
    await clock.readsMore(20); // ten more ticks, which must queue nothing
    await scheduler.idle();
    await scheduler.stop();
    assert.deepEqual(ran, ['2030-01-01T10:01:00.000Z', '2030-01-04T10:01:12.000Z']);
    assert.equal((await store.listEvents({ kind: SCHEDULE_EVENT })).length, 1, 'seen once, across restarts');

    const events = await runsOf(store);
    assert.equal(events.length, 2);
    const last = events[1]!;
    assert.equal(last.project, 'lab');
    assert.equal(last.at, '2030-01-04T10:01:12.000Z');
    assert.match(last.message, /^cron tick succeeded \(exit 0\) in \d+\.\d s$/);
    assert.deepEqual(
      { ...(last.data as Record<string, unknown>), durationMs: 0 },
      {
        service: 'tick',
        schedule: '*/1 * * * *',
        slot: '2030-01-04T10:01:00.000Z',
        startedAt: '2030-01-04T10:01:12.000Z',
        finishedAt: '2030-01-04T10:01:12.000Z',
        durationMs: 0,
        ok: true,
        outcome: 'succeeded',
        code: 0,
        logTail: 'tick\n',
      },
    );
    await store.close();
  });

  test('one job at a time per project, projects in parallel; a thrown error is a failed run', async () => {
    const store = await freshStore();
    const clock = simulatedClock('2030-01-01T00:00:30Z');
    const jobs = [
      job('* * * * *', 'backup', 'alpha', 'db'),
      job('* * * * *', 'verify-restore', 'alpha', 'db'),
      job('* * * * *', 'cron', 'alpha', 'report'),
      job('* * * * *', 'cron', 'beta', 'report'),
    ];
    const running = new Map<string, number>();
    const overlaps: string[] = [];
    let parallelProjects = 0;
    const order: string[] = [];
    const gate = Promise.withResolvers<void>();
    const run =
      (fail = false) =>
      async (j: Job) => {
        running.set(j.project, (running.get(j.project) ?? 0) + 1);
        if (running.get(j.project) !== 1) overlaps.push(jobKey(j));
        parallelProjects = Math.max(parallelProjects, [...running.values()].filter((n) => n > 0).length);
        order.push(jobKey(j));
        await gate.promise;
        running.set(j.project, running.get(j.project)! - 1);
        if (fail) throw new Error('the dump broke');
        return { ok: true, code: 0 };
      };
    const scheduler = await startScheduler({
      store,
      jobs,
      executors: { backup: run(true), 'verify-restore': run(), cron: run() },
      now: clock.now,
      tickMs: 2,
    });
    clock.advance(30_000);
    await eventually(() => order.length === 2, 'both projects start');
    assert.equal(parallelProjects, 2);
    gate.resolve();
    await eventually(() => order.length === 4, 'the queues drain');
    await scheduler.idle();
    await scheduler.stop();
    assert.deepEqual(overlaps, [], 'one job at a time per project');
    assert.deepEqual(
      order.filter((k) => k.includes('alpha')),
      ['backup:alpha/db', 'verify-restore:alpha/db', 'cron:alpha/report'],
    );
    const [failed] = await store.listEvents({ kind: 'backup' });
    assert.match(failed!.message, /^backup db failed \(the dump broke\) in/);
    assert.equal((failed!.data as { ok: boolean }).ok, false);
    assert.equal((failed!.data as { code: unknown }).code, null);
    await store.close();
  });

  test('stop lets the running job finish and drops the queued ones; kinds with no executor are not run', async () => {
    const store = await freshStore();
    const clock = simulatedClock('2030-01-01T00:00:30Z');
    const jobs = [
      job('* * * * *', 'cron', 'alpha', 'first'),
      job('* * * * *', 'cron', 'alpha', 'second'),
      job('* * * * *', 'backup', 'alpha', 'db'),
    ];
    const started = Promise.withResolvers<void>();
    const finish = Promise.withResolvers<void>();
    const ran: string[] = [];
    const lines: string[] = [];
    const scheduler = await startScheduler({
      store,
      jobs,
      executors: {
        cron: async (j) => {
          ran.push(j.service);
          started.resolve();
          await finish.promise;
          return { ok: true, code: 0 };
        },
      },
      now: clock.now,
      tickMs: 2,
      log: (l) => lines.push(l),
    });
    assert.ok(lines.includes('no backup executor: backup jobs are not scheduled'));
    clock.advance(30_000);
    await started.promise;
    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(stopped, false, 'stop waits for the running job');
    finish.resolve();
    await stopping;
    assert.deepEqual(ran, ['first']);
    assert.deepEqual(
      (await store.listEvents({ kind: 'cron' })).map((e) => (e.data as { service: string }).service),
      ['first'],
    );
    assert.equal(
      (await store.listEvents({ kind: SCHEDULE_EVENT })).length,
      2,
      'the backup job is not scheduled',
    );
    await store.close();
  });

  test('an executor that records its own event (the backup operations) is not recorded twice', async () => {
    const store = await freshStore();
    const clock = simulatedClock('2030-01-01T03:00:00Z');
    const nightly = job('0 2 * * *', 'backup', 'alpha', 'db');
    await store.addEvent({
      project: 'alpha',
      kind: 'backup',
      message: 'backed up db',
      data: { service: 'db', ok: true },
      at: '2029-12-30T02:00:01.000Z',
    });
    let runs = 0;
    const scheduler = await startScheduler({
      store,
      jobs: [nightly],
      executors: {
        backup: async (j) => {
          runs++;
          await store.addEvent({
            project: j.project,
            kind: 'backup',
            message: 'backed up db',
            data: { service: j.service, ok: true },
            at: clock.now().toISOString(),
          });
          return { ok: true, recorded: true };
        },
      },
      now: clock.now,
      tickMs: 2,
    });
    // A job with a recorded run needs no first sighting: two missed nights, one run.
    await eventually(() => runs === 1, 'the missed backup');
    await clock.readsMore(20); // ten more ticks, which must queue nothing
    await scheduler.idle();
    await scheduler.stop();
    assert.equal(runs, 1);
    assert.equal((await store.listEvents({ kind: 'backup' })).length, 2);
    assert.equal((await store.listEvents({ kind: SCHEDULE_EVENT })).length, 0);
    await store.close();
  });
});
