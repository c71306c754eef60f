import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  backupsToPrune,
  explainRetention,
  type RetentionCandidate,
  type RetentionPolicy,
} from '../../src/ops/backup/retention.ts';

const DAY = 86_400_000;
const gfs: RetentionPolicy = { daily: 7, weekly: 4, monthly: 6 };

/** `2025-03-01` → midnight UTC, in ms. */
function day(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function dateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function backup(
  id: string,
  createdAt: string,
  verified: RetentionCandidate['verified'] = null,
): RetentionCandidate {
  return { id, createdAt, verified };
}

function nightly(date: string, verified: RetentionCandidate['verified'] = null): RetentionCandidate {
  return backup(date, `${date}T02:00:00.000Z`, verified);
}

function survivors(backups: RetentionCandidate[], keep: RetentionPolicy, protect?: Set<string>): string[] {
  const pruned = new Set(backupsToPrune(backups, keep, { protect }));
  return backups
    .map((b) => b.id)
    .filter((id) => !pruned.has(id))
    .sort();
}

/**
 * What GFS must keep on `today` when there was a backup every day since `first`, worked out with
 * calendar arithmetic instead of the buckets: the last 7 days; the Sunday that ends each of the last
 * 4 ISO weeks (today for the running week); the last day of each of the last 6 months (today for the
 * running month). Days before `first` had no backup, so they drop out.
 */
function expectedDense(first: number, today: number): Set<string> {
  const keep = new Set<number>();
  for (let i = 0; i < gfs.daily; i++) keep.add(today - i * DAY);
  for (let k = 0; k < gfs.weekly; k++) {
    const d = today - 7 * k * DAY;
    const weekday = new Date(d).getUTCDay() || 7;
    keep.add(Math.min(today, d + (7 - weekday) * DAY));
  }
  const t = new Date(today);
  for (let m = 0; m < gfs.monthly; m++) {
    keep.add(Math.min(today, Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - m + 1, 0)));
  }
  return new Set([...keep].filter((d) => d >= first).map(dateOf));
}

describe('retention over a simulated year of nightly backups (keep 7 daily, 4 weekly, 6 monthly)', () => {
  const first = day('2024-11-13');
  const last = first + 400 * DAY; // 2025-12-18, a Thursday
  const verifiedOnce = '2024-11-20'; // verified the first week, never again
  const inUse = '2025-02-10'; // a restore has been reading this one since it was made

  function simulate(extras: boolean) {
    let stored: RetentionCandidate[] = [];
    let largest = 0;
    const mismatches: string[] = [];
    for (let today = first; today <= last; today += DAY) {
      const date = dateOf(today);
      stored.push(nightly(date, extras && date === verifiedOnce ? 'pass' : null));
      const protect = extras && today >= day(inUse) ? new Set([inUse]) : new Set<string>();
      const pruned = new Set(backupsToPrune(stored, gfs, { protect }));
      stored = stored.filter((b) => !pruned.has(b.id));
      largest = Math.max(largest, stored.length);
      const want = expectedDense(first, today);
      if (extras) {
        if (today >= day(verifiedOnce)) want.add(verifiedOnce);
        if (today >= day(inUse)) want.add(inUse);
      }
      const got = stored.map((b) => b.id).sort();
      if (got.join() !== [...want].sort().join()) mismatches.push(`${date}: kept ${got.join(' ')}`);
    }
    return { stored, largest, mismatches };
  }

  it('keeps exactly the GFS dates after every run, and these at the end', () => {
    const { stored, largest, mismatches } = simulate(false);
    assert.deepEqual(mismatches, []);
    assert.deepEqual(stored.map((b) => b.id).sort(), [
      '2025-07-31', // monthly
      '2025-08-31',
      '2025-09-30',
      '2025-10-31',
      '2025-11-30', // monthly and weekly (a Sunday)
      '2025-12-07', // weekly
      '2025-12-12', // daily from here
      '2025-12-13',
      '2025-12-14', // daily and weekly
      '2025-12-15',
      '2025-12-16',
      '2025-12-17',
      '2025-12-18', // newest: daily, weekly, monthly
    ]);
    assert.ok(largest <= gfs.daily + gfs.weekly + gfs.monthly, `${largest} backups at one time`);
  });

  it('keeps the newest verified backup, older than every bucket, and the protected one besides', () => {
    const { stored, largest, mismatches } = simulate(true);
    assert.deepEqual(mismatches, []);
    const ids = stored.map((b) => b.id);
    assert.ok(ids.includes(verifiedOnce));
    assert.ok(ids.includes(inUse));
    assert.ok(largest <= gfs.daily + gfs.weekly + gfs.monthly + 2, `${largest} backups at one time`);
    const reasons = new Map(
      explainRetention(stored, gfs, { protect: new Set([inUse]) }).map((d) => [d.id, d]),
    );
    assert.deepEqual(reasons.get(verifiedOnce)?.reasons, ['newest-verified']);
    assert.deepEqual(reasons.get(inUse)?.reasons, ['protected']);
    assert.deepEqual(reasons.get('2025-12-18')?.reasons, ['newest', 'daily', 'weekly', 'monthly']);
    assert.deepEqual(reasons.get('2025-12-07')?.reasons, ['weekly']);
    assert.deepEqual(reasons.get('2025-07-31')?.reasons, ['monthly']);
  });
});

describe('retention edge cases', () => {
  const week = ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07'].map((d) => nightly(d));

  it('keep all zero keeps only the newest', () => {
    assert.deepEqual(survivors(week, { daily: 0, weekly: 0, monthly: 0 }), ['2025-03-07']);
  });

  it('keep all zero still keeps the newest verified backup', () => {
    const withProof = week.map((b) => (b.id === '2025-03-04' ? { ...b, verified: 'pass' as const } : b));
    assert.deepEqual(survivors(withProof, { daily: 0, weekly: 0, monthly: 0 }), ['2025-03-04', '2025-03-07']);
  });

  it('a failed verification is no proof', () => {
    const failed = week.map((b) => (b.id === '2025-03-04' ? { ...b, verified: 'fail' as const } : b));
    assert.deepEqual(survivors(failed, { daily: 1, weekly: 0, monthly: 0 }), ['2025-03-07']);
  });

  it('only the newest verified backup is kept for being verified', () => {
    const proven = week.map((b) => ({ ...b, verified: 'pass' as const }));
    assert.deepEqual(survivors(proven, { daily: 2, weekly: 0, monthly: 0 }), ['2025-03-06', '2025-03-07']);
  });

  it('days without a backup are not counted', () => {
    const sparse = ['2025-01-01', '2025-01-02', '2025-01-05', '2025-01-09', '2025-01-10'].map((d) =>
      nightly(d),
    );
    assert.deepEqual(survivors(sparse, { daily: 3, weekly: 0, monthly: 0 }), [
      '2025-01-05',
      '2025-01-09',
      '2025-01-10',
    ]);
  });

  it('weeks and months without a backup are not counted', () => {
    // ISO weeks 2025-W02, W04 (two backups), W10; months January and March.
    const sparse = ['2025-01-07', '2025-01-20', '2025-01-22', '2025-03-04'].map((d) => nightly(d));
    assert.deepEqual(survivors(sparse, { daily: 0, weekly: 2, monthly: 0 }), ['2025-01-22', '2025-03-04']);
    assert.deepEqual(survivors(sparse, { daily: 0, weekly: 0, monthly: 2 }), ['2025-01-22', '2025-03-04']);
    assert.deepEqual(survivors(sparse, { daily: 0, weekly: 5, monthly: 0 }), [
      '2025-01-07',
      '2025-01-22',
      '2025-03-04',
    ]);
  });

  it('several backups on one day: the newest of the day is the daily one', () => {
    const busy = [
      backup('early', '2025-03-07T01:00:00Z'),
      backup('manual', '2025-03-07T14:30:00Z'),
      backup('late', '2025-03-07T23:59:59Z'),
      backup('yesterday', '2025-03-06T02:00:00Z'),
      backup('yesterday-late', '2025-03-06T22:00:00Z'),
    ];
    assert.deepEqual(survivors(busy, { daily: 2, weekly: 0, monthly: 0 }), ['late', 'yesterday-late']);
  });

  it('days are UTC days, whatever offset the time was written with', () => {
    const offsets = [
      backup('a', '2025-03-02T01:00:00+02:00'), // 2025-03-01T23:00Z
      backup('b', '2025-03-01T22:00:00Z'),
      backup('c', '2025-03-02T03:00:00+02:00'), // 2025-03-02T01:00Z
    ];
    assert.deepEqual(survivors(offsets, { daily: 2, weekly: 0, monthly: 0 }), ['a', 'c']);
  });

  it('ISO weeks: a Sunday closes its week, the year boundary follows the Thursday', () => {
    // 2024-12-30 (Mon) to 2025-01-05 (Sun) is 2025-W01; 2024-12-29 is the Sunday of 2024-W52.
    const around = ['2024-12-28', '2024-12-29', '2024-12-30', '2025-01-02', '2025-01-05', '2025-01-06'].map(
      (d) => nightly(d),
    );
    assert.deepEqual(survivors(around, { daily: 0, weekly: 3, monthly: 0 }), [
      '2024-12-29',
      '2025-01-05',
      '2025-01-06',
    ]);
  });

  it('a protected backup survives', () => {
    assert.deepEqual(survivors(week, { daily: 1, weekly: 0, monthly: 0 }, new Set(['2025-03-03'])), [
      '2025-03-03',
      '2025-03-07',
    ]);
  });

  it('no backups, nothing to prune; a bad time is a bug and says which backup', () => {
    assert.deepEqual(backupsToPrune([], gfs), []);
    assert.throws(
      () => backupsToPrune([backup('x', 'yesterday')], gfs),
      /backup x has createdAt "yesterday"/,
    );
  });

  it('explains every backup, newest first', () => {
    const decisions = explainRetention(
      week,
      { daily: 2, weekly: 1, monthly: 0 },
      { protect: new Set(['2025-03-03']) },
    );
    assert.deepEqual(decisions, [
      {
        id: '2025-03-07',
        createdAt: '2025-03-07T02:00:00.000Z',
        keep: true,
        reasons: ['newest', 'daily', 'weekly'],
      },
      { id: '2025-03-06', createdAt: '2025-03-06T02:00:00.000Z', keep: true, reasons: ['daily'] },
      { id: '2025-03-05', createdAt: '2025-03-05T02:00:00.000Z', keep: false, reasons: [] },
      { id: '2025-03-04', createdAt: '2025-03-04T02:00:00.000Z', keep: false, reasons: [] },
      { id: '2025-03-03', createdAt: '2025-03-03T02:00:00.000Z', keep: true, reasons: ['protected'] },
    ]);
  });
});

describe('retention invariants (property)', () => {
  const start = day('2023-01-01');
  const candidates = fc
    .uniqueArray(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 6 }),
        offset: fc.integer({ min: 0, max: 800 * DAY }),
        verified: fc.constantFrom<RetentionCandidate['verified']>('pass', 'fail', null, null, null),
      }),
      { selector: (b) => b.id, maxLength: 60 },
    )
    .map((list) =>
      list.map((b) => ({
        id: b.id,
        createdAt: new Date(start + b.offset).toISOString(),
        verified: b.verified,
      })),
    );
  const policy = fc.record({
    daily: fc.integer({ min: 0, max: 10 }),
    weekly: fc.integer({ min: 0, max: 6 }),
    monthly: fc.integer({ min: 0, max: 6 }),
  });
  const scenario = candidates.chain((backups) =>
    fc.record({
      backups: fc.constant(backups),
      keep: policy,
      protect: fc.subarray(backups.map((b) => b.id)).map((ids) => new Set(ids)),
    }),
  );

  const newestFirst = (backups: RetentionCandidate[]) =>
    [...backups].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1));

  it('never prunes the newest, the newest verified or a protected backup; stays within the budget', () => {
    fc.assert(
      fc.property(scenario, ({ backups, keep, protect }) => {
        const pruned = backupsToPrune(backups, keep, { protect });
        const prunedSet = new Set(pruned);
        assert.equal(prunedSet.size, pruned.length, 'an id is pruned twice');
        for (const id of pruned) assert.ok(backups.some((b) => b.id === id));
        const sorted = newestFirst(backups);
        if (sorted[0]) assert.ok(!prunedSet.has(sorted[0].id), 'the newest was pruned');
        const verified = sorted.find((b) => b.verified === 'pass');
        if (verified) assert.ok(!prunedSet.has(verified.id), 'the newest verified was pruned');
        for (const id of protect) assert.ok(!prunedSet.has(id), `protected ${id} was pruned`);
        const kept = backups.length - pruned.length;
        const budget = Math.max(1, keep.daily + keep.weekly + keep.monthly) + 1 + protect.size;
        assert.ok(kept <= budget, `kept ${kept} of ${backups.length}, budget ${budget}`);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps at most one backup per UTC day, ISO week and month for each rule', () => {
    fc.assert(
      fc.property(scenario, ({ backups, keep, protect }) => {
        const decisions = explainRetention(backups, keep, { protect });
        for (const [reason, length] of [
          ['daily', 10],
          ['monthly', 7],
        ] as const) {
          const periods = decisions
            .filter((d) => d.reasons.includes(reason))
            .map((d) => new Date(d.createdAt).toISOString().slice(0, length));
          assert.equal(new Set(periods).size, periods.length, `two ${reason} backups share a period`);
          assert.ok(periods.length <= keep[reason]);
        }
        for (const d of decisions) assert.equal(d.keep, d.reasons.length > 0);
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent and ignores the order of its input', () => {
    fc.assert(
      fc.property(scenario, ({ backups, keep, protect }) => {
        const pruned = new Set(backupsToPrune(backups, keep, { protect }));
        const kept = backups.filter((b) => !pruned.has(b.id));
        assert.deepEqual(backupsToPrune(kept, keep, { protect }), []);
        const reversed = new Set(backupsToPrune([...backups].reverse(), keep, { protect }));
        assert.deepEqual([...reversed].sort(), [...pruned].sort());
      }),
      { numRuns: 300 },
    );
  });
});
