import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { verifySchedule } from '../../src/model/index.ts';
import {
  dueJobs,
  type Job,
  type JobHistory,
  jobKey,
  nextSlot,
  scheduledJobs,
} from '../../src/ops/schedule.ts';
import { type CronSchedule, loadSpecText, parseCron, type Spec } from '../../src/spec/index.ts';

function cron(text: string): CronSchedule {
  const r = parseCron(text);
  if (!r.ok) assert.fail(r.message);
  return r.cron;
}

function spec(services: string): Spec {
  const r = loadSpecText(
    's.yaml',
    `version: 1\nserver: { domain: t.test, capacity: { cpus: 64, memory: 64GiB } }\nprojects:\n  alpha:\n    services:\n${services}`,
    {},
  );
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  return r.spec;
}

const at = (iso: string) => new Date(iso);
const job = (schedule: string, kind: Job['kind'] = 'cron', service = 'report', project = 'alpha'): Job => ({
  project,
  service,
  kind,
  schedule: cron(schedule),
});
const history = (entries: [Job, JobHistory][]) => new Map(entries.map(([j, h]) => [jobKey(j), h]));
const summary = (jobs: Job[]) => jobs.map((j) => `${jobKey(j)} ${j.schedule}`);

describe('scheduledJobs: what a spec asks serve to run', () => {
  test('a backed-up database gives a backup and a restore check; cron services give cron jobs', () => {
    const jobs = scheduledJobs(
      spec(
        [
          '      db: { type: postgres, backup: { schedule: "30 1 * * *", verify: monthly } }',
          '      logs: { type: postgres, backup: { verify: false } }',
          '      plain: { type: postgres }',
          '      report: { type: cron, image: x:1, schedule: "*/5 * * * *", command: report }',
          '      paused: { type: cron, image: x:1, schedule: "@hourly", command: p, replicas: 0 }',
        ].join('\n'),
      ),
    );
    assert.deepEqual(summary(jobs), [
      'backup:alpha/db 30 1 * * *',
      'backup:alpha/logs 0 2 * * *',
      'verify-restore:alpha/db 30 2 1 * *',
      'cron:alpha/report */5 * * * *',
    ]);
  });

  test('the default verify is weekly, on Sundays an hour after the backup', () => {
    const jobs = scheduledJobs(spec('      db: { type: postgres, backup: { schedule: "0 2 * * *" } }'));
    assert.deepEqual(summary(jobs), ['backup:alpha/db 0 2 * * *', 'verify-restore:alpha/db 0 3 * * 0']);
  });
});

describe('verifySchedule: an hour after the day’s last backup', () => {
  test('daily, weekly and monthly', () => {
    assert.equal(verifySchedule(cron('0 2 * * *'), 'daily').text, '0 3 * * *');
    assert.equal(verifySchedule(cron('15 2 * * *'), 'weekly').text, '15 3 * * 0');
    assert.equal(verifySchedule(cron('0 2 * * *'), 'monthly').text, '0 3 1 * *');
  });

  test('several backups a day: after the last one; late backups wrap to the next day', () => {
    assert.equal(verifySchedule(cron('0 */6 * * *'), 'daily').text, '0 19 * * *');
    assert.equal(verifySchedule(cron('45 23 * * *'), 'daily').text, '45 0 * * *');
    assert.equal(verifySchedule(cron('@hourly'), 'weekly').text, '0 0 * * 0');
  });

  test('the restore check comes after the backup it checks', () => {
    const backup = cron('0 2 * * *');
    const verify = verifySchedule(backup, 'daily');
    const now = at('2030-03-10T12:00:00Z');
    assert.ok(verify.next(now) > backup.next(now));
  });
});

describe('dueJobs: due when the latest slot at or before now is later than the last run', () => {
  const nightly = job('0 2 * * *', 'backup', 'db');

  test('a job not seen yet is never due (the runner records it first)', () => {
    assert.deepEqual(dueJobs([nightly], new Map(), at('2030-01-05T03:00:00Z')), []);
  });

  test('first start: a job that never ran waits for a slot after it was first seen', () => {
    const h = history([[nightly, { firstSeen: at('2030-01-05T10:00:00Z') }]]);
    assert.deepEqual(
      dueJobs([nightly], h, at('2030-01-05T23:59:59Z')),
      [],
      'the 02:00 before first sight is not run',
    );
    const due = dueJobs([nightly], h, at('2030-01-06T02:00:00Z'));
    assert.deepEqual(
      due.map((d) => d.slot.toISOString()),
      ['2030-01-06T02:00:00.000Z'],
    );
  });

  test('a job that ran at its slot is not due again until the next one', () => {
    const h = history([
      [nightly, { firstSeen: at('2030-01-01T00:00:00Z'), lastRun: at('2030-01-05T02:00:04Z') }],
    ]);
    assert.deepEqual(dueJobs([nightly], h, at('2030-01-05T02:00:59Z')), []);
    assert.deepEqual(dueJobs([nightly], h, at('2030-01-06T01:59:59Z')), []);
    assert.equal(dueJobs([nightly], h, at('2030-01-06T02:00:00Z')).length, 1);
  });

  test('days of downtime: the missed nights are one run, for the latest slot', () => {
    const h = history([
      [nightly, { firstSeen: at('2030-01-01T00:00:00Z'), lastRun: at('2030-01-02T02:00:03Z') }],
    ]);
    const due = dueJobs([nightly], h, at('2030-01-06T09:30:00Z'));
    assert.deepEqual(
      due.map((d) => [jobKey(d.job), d.slot.toISOString()]),
      [['backup:alpha/db', '2030-01-06T02:00:00.000Z']],
    );
  });

  test('a simulated clock: ticks every 10 s for a week with three days down; one run per slot, one for the gap', () => {
    const every = job('*/1 * * * *');
    const hourly = job('0 * * * *', 'cron', 'hourly');
    const jobs = [every, hourly];
    const start = at('2030-01-01T00:00:05Z').getTime();
    const h = new Map<string, JobHistory>(jobs.map((j) => [jobKey(j), { firstSeen: new Date(start) }]));
    const runs = new Map<string, Date[]>(jobs.map((j) => [jobKey(j), []]));
    const down = { from: start + 2 * 86400_000, to: start + 5 * 86400_000 + 1234 };
    for (let t = start; t < start + 7 * 86400_000; t += 10_000) {
      if (t >= down.from && t < down.to) continue;
      for (const d of dueJobs(jobs, h, new Date(t))) {
        const key = jobKey(d.job);
        runs.get(key)!.push(new Date(t));
        h.set(key, { ...h.get(key)!, lastRun: new Date(t) });
      }
    }
    // Up for two days (no run for the minute serve started in), one run for the three days down,
    // then two more days up.
    assert.equal(runs.get(jobKey(every))!.length, 2 * 1440 - 1 + 1 + (2 * 1440 - 1));
    assert.equal(runs.get(jobKey(hourly))!.length, 2 * 24 - 1 + 1 + (2 * 24 - 1));
    const afterGap = runs.get(jobKey(hourly))!.filter((d) => d.getTime() >= down.to);
    assert.equal(
      afterGap[0]!.toISOString(),
      '2030-01-06T00:00:15.000Z',
      'the missed run runs at the first tick',
    );
    assert.equal(afterGap[1]!.toISOString(), '2030-01-06T01:00:05.000Z', 'then the schedule goes on');
  });

  test('due jobs come in queue order: per project, the backup before its check before cron services', () => {
    const jobs = [
      job('* * * * *'),
      job('* * * * *', 'verify-restore', 'db'),
      job('* * * * *', 'backup', 'db'),
    ];
    const h = new Map(jobs.map((j) => [jobKey(j), { firstSeen: at('2030-01-01T00:00:00Z') }]));
    assert.deepEqual(
      dueJobs(jobs, h, at('2030-01-01T00:05:00Z')).map((d) => jobKey(d.job)),
      ['backup:alpha/db', 'verify-restore:alpha/db', 'cron:alpha/report'],
    );
  });

  test('property: a job is due at most once, and not again right after it ran', () => {
    const minute = 60_000;
    fc.assert(
      fc.property(
        fc.constantFrom('*/1 * * * *', '0 2 * * *', '30 */3 * * 1-5', '@monthly', '5 4 1,15 * *'),
        fc.integer({ min: 0, max: 400 * 1440 }),
        fc.integer({ min: 0, max: 400 * 1440 }),
        fc.integer({ min: 0, max: 59_999 }),
        (schedule, seen, gap, ms) => {
          const j = job(schedule);
          const base = at('2030-01-01T00:00:00Z').getTime();
          const firstSeen = new Date(base + seen * minute);
          const now = new Date(firstSeen.getTime() + gap * minute + ms);
          const h = history([[j, { firstSeen }]]);
          const due = dueJobs([j], h, now);
          assert.ok(due.length <= 1);
          const slotPassed = j.schedule.lastAtOrBefore(now) > firstSeen;
          assert.equal(due.length === 1, slotPassed);
          if (due[0]) {
            assert.ok(due[0].slot <= now && due[0].slot > firstSeen);
            assert.deepEqual(dueJobs([j], history([[j, { firstSeen, lastRun: now }]]), now), []);
          }
        },
      ),
    );
  });
});

describe('nextSlot: when to look again', () => {
  test('the soonest next minute of any job', () => {
    const jobs = [job('0 2 * * *'), job('*/15 * * * *')];
    assert.equal(nextSlot(jobs, at('2030-01-01T01:50:10Z'))?.toISOString(), '2030-01-01T02:00:00.000Z');
    assert.equal(nextSlot([], at('2030-01-01T01:50:10Z')), undefined);
  });
});
