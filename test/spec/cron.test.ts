import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type CronSchedule, parseCron } from '../../src/spec/cron.ts';

function cron(text: string): CronSchedule {
  const r = parseCron(text);
  if (!r.ok) assert.fail(r.message);
  return r.cron;
}

function messageOf(text: string): string {
  const r = parseCron(text);
  if (r.ok) assert.fail(`expected "${text}" to be refused`);
  return r.message;
}

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('parseCron: valid expressions', () => {
  test('five stars allow everything', () => {
    const c = cron('* * * * *');
    assert.deepEqual(c.minutes, range(0, 59));
    assert.deepEqual(c.hours, range(0, 23));
    assert.deepEqual(c.daysOfMonth, range(1, 31));
    assert.deepEqual(c.months, range(1, 12));
    assert.deepEqual(c.daysOfWeek, range(0, 6));
    assert.equal(c.dayOfMonthStar, true);
    assert.equal(c.dayOfWeekStar, true);
  });

  test('lists, ranges and steps', () => {
    const c = cron('1,2,30 9-17 */10 1-12/3 1-5');
    assert.deepEqual(c.minutes, [1, 2, 30]);
    assert.deepEqual(c.hours, range(9, 17));
    assert.deepEqual(c.daysOfMonth, [1, 11, 21, 31]);
    assert.deepEqual(c.months, [1, 4, 7, 10]);
    assert.deepEqual(c.daysOfWeek, [1, 2, 3, 4, 5]);
    assert.equal(c.dayOfMonthStar, true);
    assert.equal(c.dayOfWeekStar, false);
  });

  test('*/15 and 10-50/5', () => {
    assert.deepEqual(cron('*/15 * * * *').minutes, [0, 15, 30, 45]);
    assert.deepEqual(
      cron('10-50/5 * * * *').minutes,
      range(0, 8).map((i) => 10 + 5 * i),
    );
    assert.deepEqual(cron('*/1 * * * *').minutes, range(0, 59));
  });

  test('duplicates and overlapping items collapse into one sorted set', () => {
    assert.deepEqual(cron('30,5,5,0-10/5 * * * *').minutes, [0, 5, 10, 30]);
  });

  test('month and day names, any case', () => {
    const c = cron('0 9 * JAN-Mar,dec mon-FRI');
    assert.deepEqual(c.months, [1, 2, 3, 12]);
    assert.deepEqual(c.daysOfWeek, [1, 2, 3, 4, 5]);
    assert.deepEqual(cron('0 0 * * sat,sun').daysOfWeek, [0, 6]);
    assert.deepEqual(cron('0 0 * * fri-sun').daysOfWeek, [0, 5, 6]);
    assert.deepEqual(cron('0 0 * oct-dec/2 *').months, [10, 12]);
  });

  test('day-of-week 7 is Sunday', () => {
    assert.deepEqual(cron('0 0 * * 7').daysOfWeek, [0]);
    assert.deepEqual(cron('0 0 * * 0,7').daysOfWeek, [0]);
    assert.deepEqual(cron('0 0 * * 5-7').daysOfWeek, [0, 5, 6]);
    assert.deepEqual(cron('0 0 * * 7-2').daysOfWeek, [0, 1, 2]);
    assert.deepEqual(cron('0 0 * * sat-0').daysOfWeek, [0, 6]);
    assert.deepEqual(cron('0 0 * * sun-sun').daysOfWeek, [0]);
    assert.deepEqual(cron('0 0 * * 7-7').daysOfWeek, [0]);
    assert.deepEqual(cron('0 0 * * 7-0').daysOfWeek, [0]);
    assert.deepEqual(cron('0 0 * * 0-7').daysOfWeek, range(0, 6));
    assert.deepEqual(cron('0 0 * * */2').daysOfWeek, [0, 2, 4, 6]);
  });

  test('macros expand to their five fields and keep their text', () => {
    const cases: [string, string][] = [
      ['@yearly', '0 0 1 1 *'],
      ['@annually', '0 0 1 1 *'],
      ['@monthly', '0 0 1 * *'],
      ['@weekly', '0 0 * * 0'],
      ['@daily', '0 0 * * *'],
      ['@midnight', '0 0 * * *'],
      ['@hourly', '0 * * * *'],
    ];
    for (const [macro, fields] of cases) {
      const m = cron(macro);
      const f = cron(fields);
      assert.equal(m.toString(), macro);
      assert.deepEqual(
        [m.minutes, m.hours, m.daysOfMonth, m.months, m.daysOfWeek, m.dayOfMonthStar, m.dayOfWeekStar],
        [f.minutes, f.hours, f.daysOfMonth, f.months, f.daysOfWeek, f.dayOfMonthStar, f.dayOfWeekStar],
        macro,
      );
    }
    assert.equal(cron('@Daily').toString(), '@Daily');
  });

  test('extra whitespace between and around fields is fine; the text is kept, trimmed', () => {
    const c = cron('  0\t2  * * *  ');
    assert.deepEqual([c.minutes, c.hours], [[0], [2]]);
    assert.equal(c.toString(), '0\t2  * * *');
    assert.equal(JSON.stringify({ schedule: cron('*/1 * * * *') }), '{"schedule":"*/1 * * * *"}');
  });

  test('a schedule is immutable', () => {
    const c = cron('0 2 * * *');
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.minutes));
    assert.throws(() => (c.minutes as number[]).push(5));
  });
});

describe('parseCron: invalid expressions', () => {
  const cases: [string, string][] = [
    ['*/1 * * 13 *', 'cron "*/1 * * 13 *": month "13" is out of range 1-12'],
    ['* * *', 'cron "* * *": expected 5 fields (minute hour day-of-month month day-of-week), got 3'],
    ['', 'cron "": expected 5 fields (minute hour day-of-month month day-of-week), got 0'],
    [
      '0 * * * * *',
      'cron "0 * * * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 6: a seconds or year field is not supported',
    ],
    ['60 * * * *', 'cron "60 * * * *": minute "60" is out of range 0-59'],
    ['0 24 * * *', 'cron "0 24 * * *": hour "24" is out of range 0-23'],
    ['0 0 0 * *', 'cron "0 0 0 * *": day-of-month "0" is out of range 1-31'],
    ['0 0 32 * *', 'cron "0 0 32 * *": day-of-month "32" is out of range 1-31'],
    ['0 0 * 0 *', 'cron "0 0 * 0 *": month "0" is out of range 1-12'],
    ['0 0 * * 8', 'cron "0 0 * * 8": day-of-week "8" is out of range 0-7'],
    ['0-60/5 * * * *', 'cron "0-60/5 * * * *": minute "60" is out of range 0-59'],
    [
      '0 0 * foo *',
      'cron "0 0 * foo *": month "foo" is not a valid value: use a number 1-12 or a name jan-dec',
    ],
    [
      '0 0 * * monday',
      'cron "0 0 * * monday": day-of-week "monday" is not a valid value: use a number 0-7 (0 and 7 are Sunday) or a name sun-sat',
    ],
    ['mon * * * *', 'cron "mon * * * *": minute "mon" is not a valid value: use a number 0-59'],
    // Croner's extensions (L, ?, #, +, W) are not ours: our grammar refuses them before croner sees them.
    ['0 0 L * *', 'cron "0 0 L * *": day-of-month "L" is not a valid value: use a number 1-31'],
    [
      '0 0 * * mon#2',
      'cron "0 0 * * mon#2": day-of-week "mon#2" is not valid: use *, a number 0-7 (0 and 7 are Sunday) or a name sun-sat, a list such as 1,2, a range such as 1-5 or a step such as */2',
    ],
    [
      '0 0 1 * +mon',
      'cron "0 0 1 * +mon": day-of-week "+mon" is not valid: use *, a number 0-7 (0 and 7 are Sunday) or a name sun-sat, a list such as 1,2, a range such as 1-5 or a step such as */2',
    ],
    [
      '0 0 15W * *',
      'cron "0 0 15W * *": day-of-month "15W" is not valid: use *, a number 1-31, a list such as 1,2, a range such as 2-6 or a step such as */2',
    ],
    [
      '0 0 * * * * *',
      'cron "0 0 * * * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 7',
    ],
    [
      '0 0 ? * *',
      'cron "0 0 ? * *": day-of-month "?" is not valid: use *, a number 1-31, a list such as 1,2, a range such as 2-6 or a step such as */2',
    ],
    [
      '1-2-3 * * * *',
      'cron "1-2-3 * * * *": minute "1-2-3" is not valid: use *, a number 0-59, a list such as 1,2, a range such as 1-5 or a step such as */2',
    ],
    [
      '-5 * * * *',
      'cron "-5 * * * *": minute "-5" is not valid: use *, a number 0-59, a list such as 1,2, a range such as 1-5 or a step such as */2',
    ],
    [
      '1,,2 * * * *',
      'cron "1,,2 * * * *": minute "1,,2" has an empty item in its list: write values such as 1,15',
    ],
    [
      '*/0 * * * *',
      'cron "*/0 * * * *": minute "*/0" has a step of "0": use a whole number of 1 or more, such as */15',
    ],
    [
      '*/x * * * *',
      'cron "*/x * * * *": minute "*/x" has a step of "x": use a whole number of 1 or more, such as */15',
    ],
    ['5/15 * * * *', 'cron "5/15 * * * *": minute "5/15" has a step but no range: write 5-59/15'],
    ['0 17-9 * * *', 'cron "0 17-9 * * *": hour "17-9" runs backwards: write it as 17-23,0-9'],
    ['0 0 * * fri-mon', 'cron "0 0 * * fri-mon": day-of-week "fri-mon" runs backwards: write it as 5-6,0-1'],
    ['0 0 * * 3-1', 'cron "0 0 * * 3-1": day-of-week "3-1" runs backwards: write it as 3-6,0-1'],
    [
      '0 0 30 2 *',
      'cron "0 0 30 2 *": day-of-month "30" never occurs in month "2", so the schedule would never run',
    ],
    [
      '0 0 31 apr,jun *',
      'cron "0 0 31 apr,jun *": day-of-month "31" never occurs in month "apr,jun", so the schedule would never run',
    ],
    [
      '@reboot',
      `cron "@reboot": @reboot is not supported because schedules run on the control plane's clock, not at a machine's start-up; use a time such as @daily or "0 2 * * *"`,
    ],
    [
      '@fortnightly',
      'cron "@fortnightly": unknown macro "@fortnightly": use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly',
    ],
  ];
  for (const [text, message] of cases) {
    test(JSON.stringify(text), () => assert.equal(messageOf(text), message));
  }

  test('fields are separated by ASCII spaces and tabs only: other blanks are refused, with their code point', () => {
    const cases: [string, string][] = [
      ['0\u00a02 * * *', 'a no-break space (U+00A0) at character 2'],
      ['0\u30002 * * *', 'an ideographic space (U+3000) at character 2'],
      ['0 2 * *\n*', 'a line break (U+000A) at character 8'],
      ['0 2 * * *\r', 'a carriage return (U+000D) at character 10'],
      ['\u00a00 2 * * *', 'a no-break space (U+00A0) at character 1'],
      ['0 2\u2003* * *', 'U+2003 at character 4'],
      ['0 2 * * *\u2028', 'U+2028 at character 10'],
      ['@daily\u00a0', 'a no-break space (U+00A0) at character 7'],
    ];
    for (const [text, where] of cases) {
      assert.equal(
        messageOf(text),
        `cron "${text}": ${where} is not a space or a tab: separate the fields with spaces`,
        JSON.stringify(text),
      );
    }
  });

  test('February 30th is refused, but the 29th (leap years) and the 30th with another month are not', () => {
    assert.ok(parseCron('0 0 29 2 *').ok);
    assert.ok(parseCron('0 0 30 1,2 *').ok);
    // With both day fields restricted a day matches if either does, so Mondays still come.
    assert.ok(parseCron('0 0 30 2 mon').ok);
  });
});

describe('CronSchedule.next', () => {
  const cases: [string, string, string][] = [
    ['0 2 * * *', '2024-01-01T00:00:00Z', '2024-01-01T02:00:00.000Z'],
    ['0 2 * * *', '2024-01-01T01:59:59.999Z', '2024-01-01T02:00:00.000Z'],
    ['0 2 * * *', '2024-01-01T02:00:00Z', '2024-01-02T02:00:00.000Z'],
    ['0 2 * * *', '2024-01-01T02:00:30Z', '2024-01-02T02:00:00.000Z'],
    ['0 2 * * *', '2024-12-31T03:00:00Z', '2025-01-01T02:00:00.000Z'],
    ['*/15 * * * *', '2024-05-10T10:07:00Z', '2024-05-10T10:15:00.000Z'],
    ['*/15 * * * *', '2024-05-10T10:45:00Z', '2024-05-10T11:00:00.000Z'],
    ['*/15 * * * *', '2024-12-31T23:50:00Z', '2025-01-01T00:00:00.000Z'],
    ['* * * * *', '2024-05-10T10:07:59.999Z', '2024-05-10T10:08:00.000Z'],
    // February 29th, across leap years (2100 is not one).
    ['0 0 29 2 *', '2024-01-01T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0 0 29 2 *', '2024-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0 0 29 2 *', '2096-03-01T00:00:00Z', '2104-02-29T00:00:00.000Z'],
    // The 31st skips months that do not have one.
    ['0 0 31 * *', '2024-01-31T00:00:00Z', '2024-03-31T00:00:00.000Z'],
    ['0 0 31 * *', '2024-05-31T12:00:00Z', '2024-07-31T00:00:00.000Z'],
    // Both day fields restricted: the 13th OR a Friday (2024-09-01 is a Sunday; 2024-09-13 a Friday).
    ['0 0 13 * 5', '2024-09-01T00:00:00Z', '2024-09-06T00:00:00.000Z'],
    ['0 0 13 * 5', '2024-09-06T00:00:00Z', '2024-09-13T00:00:00.000Z'],
    ['0 0 13 * 5', '2024-09-13T00:00:00Z', '2024-09-20T00:00:00.000Z'],
    ['0 0 1 * mon', '2024-06-25T00:00:00Z', '2024-07-01T00:00:00.000Z'],
    ['0 0 1 * mon', '2024-07-01T00:00:00Z', '2024-07-08T00:00:00.000Z'],
    // A field starting with * (even */2) makes both day fields apply (Vixie cron): odd days that are Mondays.
    ['0 0 */2 * 1', '2024-01-01T00:00:00Z', '2024-01-15T00:00:00.000Z'],
    ['0 0 1 * */7', '2024-01-01T00:00:00Z', '2024-09-01T00:00:00.000Z'],
    // Names.
    ['0 12 * * sat,sun', '2024-05-08T00:00:00Z', '2024-05-11T12:00:00.000Z'],
    ['0 0 1 jul *', '2024-07-01T00:00:00Z', '2025-07-01T00:00:00.000Z'],
    // Macros: @weekly is Sunday midnight (2024-05-12 is a Sunday).
    ['@weekly', '2024-05-08T13:14:00Z', '2024-05-12T00:00:00.000Z'],
    ['@weekly', '2024-05-12T00:00:00Z', '2024-05-19T00:00:00.000Z'],
    ['@monthly', '2024-12-15T00:00:00Z', '2025-01-01T00:00:00.000Z'],
    ['@yearly', '2024-01-01T00:00:00Z', '2025-01-01T00:00:00.000Z'],
    ['@hourly', '2024-01-01T23:00:00Z', '2024-01-02T00:00:00.000Z'],
    ['0 0 * * 7', '2024-05-08T00:00:00Z', '2024-05-12T00:00:00.000Z'],
    ['5,55 22-23 * * *', '2024-05-08T23:56:00Z', '2024-05-09T22:05:00.000Z'],
  ];
  for (const [text, after, expected] of cases) {
    test(`${text} after ${after}`, () => assert.equal(iso(cron(text).next(at(after))), expected));
  }

  test('30 9 on weekdays of the first quarter jumps from March to January', () => {
    // 2024-03-29 is a Friday and the last weekday in March; the next one in the quarter is 2025-01-01.
    assert.equal(
      iso(cron('30 9 * jan-mar mon-fri').next(at('2024-03-29T09:30:00Z'))),
      '2025-01-01T09:30:00.000Z',
    );
  });

  test('an invalid date is a bug', () => {
    assert.throws(() => cron('* * * * *').next(new Date(Number.NaN)), RangeError);
  });

  test('is quick for sparse schedules', () => {
    // February 29th that is a Sunday: every 28 years, or 40 across 2100.
    const c = cron('0 0 29 2 */7');
    assert.equal(iso(c.next(at('2000-01-01T00:00:00Z'))), '2004-02-29T00:00:00.000Z');
    assert.equal(iso(c.next(at('2088-03-01T00:00:00Z'))), '2128-02-29T00:00:00.000Z');
    const started = performance.now();
    let runs = 0;
    for (let t = at('2000-01-01T00:00:00Z'); t.getUTCFullYear() < 2900; runs++) t = c.next(t);
    assert.ok(runs > 30);
    assert.ok(performance.now() - started < 1000, 'nine centuries of next() calls take under a second');
  });

  test('croner looks no further than the year 3000: past it there is no next run, and saying so is a bug', () => {
    assert.throws(
      () => cron('0 0 * * *').next(at('3000-12-31T23:59:00Z')),
      /cron "0 0 \* \* \*": no scheduled minute after 3000-12-31T23:59:00.000Z/,
    );
  });
});

describe('the examples of crontab(5) (Vixie cron, as Debian ships it)', () => {
  // Each with the first runs after Wednesday 2024-05-08 00:00 UTC.
  const cases: [string, string, string[]][] = [
    ['5 0 * * *', 'five minutes after midnight, every day', ['2024-05-08T00:05', '2024-05-09T00:05']],
    ['15 14 1 * *', 'at 2:15pm on the first of every month', ['2024-06-01T14:15', '2024-07-01T14:15']],
    [
      '0 22 * * 1-5',
      'at 10 pm on weekdays',
      ['2024-05-08T22:00', '2024-05-09T22:00', '2024-05-10T22:00', '2024-05-13T22:00'],
    ],
    [
      '23 0-23/2 * * *',
      '23 minutes after midnight, 2am, 4am ..., everyday',
      ['2024-05-08T00:23', '2024-05-08T02:23', '2024-05-08T04:23'],
    ],
    ['5 4 * * sun', 'at 5 after 4 every sunday', ['2024-05-12T04:05', '2024-05-19T04:05']],
    // "If both fields are restricted (i.e., don't start with *), the command will be run when either
    // field matches the current time. For example, 30 4 1,15 * 5 would cause a command to be run at
    // 4:30 am on the 1st and 15th of each month, plus every Friday."
    [
      '30 4 1,15 * 5',
      'on the 1st and 15th of each month, plus every Friday',
      [
        '2024-05-10T04:30',
        '2024-05-15T04:30',
        '2024-05-17T04:30',
        '2024-05-24T04:30',
        '2024-05-31T04:30',
        '2024-06-01T04:30',
      ],
    ],
  ];
  for (const [text, meaning, runs] of cases) {
    test(`${text}: ${meaning}`, () => {
      const c = cron(text);
      let t = at('2024-05-08T00:00:00Z');
      const got: string[] = [];
      for (const _ of runs) {
        t = c.next(t);
        got.push(t.toISOString().slice(0, 16));
      }
      assert.deepEqual(got, runs);
    });
  }
});

describe('CronSchedule.previous and lastAtOrBefore', () => {
  const cases: [string, string, string][] = [
    ['0 2 * * *', '2024-01-02T02:00:00Z', '2024-01-01T02:00:00.000Z'],
    ['0 2 * * *', '2024-01-02T02:00:01Z', '2024-01-02T02:00:00.000Z'],
    ['0 2 * * *', '2024-01-01T01:00:00Z', '2023-12-31T02:00:00.000Z'],
    ['*/15 * * * *', '2024-05-10T10:00:00Z', '2024-05-10T09:45:00.000Z'],
    ['0 0 29 2 *', '2028-02-28T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0 0 31 * *', '2024-07-30T00:00:00Z', '2024-05-31T00:00:00.000Z'],
    ['0 0 13 * 5', '2024-09-20T00:00:00Z', '2024-09-13T00:00:00.000Z'],
    ['0 0 13 * 5', '2024-09-13T00:00:00Z', '2024-09-06T00:00:00.000Z'],
    ['@weekly', '2024-05-12T00:00:00Z', '2024-05-05T00:00:00.000Z'],
    ['30 9 * jan-mar mon-fri', '2025-01-01T09:00:00Z', '2024-03-29T09:30:00.000Z'],
  ];
  for (const [text, before, expected] of cases) {
    test(`${text} before ${before}`, () => assert.equal(iso(cron(text).previous(at(before))), expected));
  }

  test('lastAtOrBefore includes the current minute: the run that is due now', () => {
    const c = cron('0 2 * * *');
    assert.equal(iso(c.lastAtOrBefore(at('2024-01-02T02:00:00Z'))), '2024-01-02T02:00:00.000Z');
    assert.equal(iso(c.lastAtOrBefore(at('2024-01-02T02:00:59.999Z'))), '2024-01-02T02:00:00.000Z');
    assert.equal(iso(c.lastAtOrBefore(at('2024-01-02T01:59:59.999Z'))), '2024-01-01T02:00:00.000Z');
  });

  test('a missed run after downtime: the due time is later than the last run', () => {
    const c = cron('0 2 * * *');
    const lastRun = at('2024-01-01T02:00:00Z');
    const down = c.lastAtOrBefore(at('2024-01-03T10:00:00Z'));
    assert.ok(down > lastRun);
    assert.equal(iso(down), '2024-01-03T02:00:00.000Z');
    assert.ok(!(c.lastAtOrBefore(at('2024-01-01T12:00:00Z')) > lastRun));
  });

  test('matches looks at the minute that contains the time', () => {
    const c = cron('0 2 * * *');
    assert.equal(c.matches(at('2024-01-01T02:00:00Z')), true);
    assert.equal(c.matches(at('2024-01-01T02:00:59Z')), true);
    assert.equal(c.matches(at('2024-01-01T02:01:00Z')), false);
  });
});

// ---- property tests, against an independent reference and a brute-force minute scan ----

interface FieldShape {
  min: number;
  max: number;
  names?: readonly string[];
}
const SHAPES: FieldShape[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  {
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** One generated field: its text and the values it allows (day-of-week still 0-7). */
interface GeneratedField {
  text: string;
  values: Set<number>;
}

function itemArbitrary(shape: FieldShape): fc.Arbitrary<GeneratedField> {
  const value = fc.integer({ min: shape.min, max: shape.max });
  const spell = (n: number, useName: boolean) => {
    const names = shape.names;
    if (!useName || !names) return `${n}`;
    const index = n - shape.min;
    return index < names.length ? names[index]! : `${n}`;
  };
  const stepped = (low: number, high: number, step: number) => {
    const values = new Set<number>();
    for (let v = low; v <= high; v += step) values.add(v);
    return values;
  };
  return fc.oneof(
    fc.integer({ min: 1, max: shape.max }).map((step) => ({
      text: `*/${step}`,
      values: stepped(shape.min, shape.max, step),
    })),
    fc.tuple(value, fc.boolean()).map(([n, useName]) => ({ text: spell(n, useName), values: new Set([n]) })),
    fc
      .tuple(value, value, fc.boolean(), fc.option(fc.integer({ min: 1, max: 20 })))
      .map(([a, b, useName, step]) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const text = `${spell(low, useName)}-${spell(high, useName)}` + (step === null ? '' : `/${step}`);
        return { text, values: stepped(low, high, step ?? 1) };
      }),
  );
}

function fieldArbitrary(shape: FieldShape): fc.Arbitrary<GeneratedField> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({ text: '*', values: new Set(range(shape.min, shape.max)) }) },
    {
      weight: 3,
      arbitrary: fc.array(itemArbitrary(shape), { minLength: 1, maxLength: 3 }).map((items) => ({
        text: items.map((i) => i.text).join(','),
        values: new Set(items.flatMap((i) => [...i.values])),
      })),
    },
  );
}

interface Generated {
  text: string;
  fields: GeneratedField[];
}

const expressionArbitrary: fc.Arbitrary<Generated> = fc
  .tuple(...SHAPES.map(fieldArbitrary))
  .map((fields) => ({ text: fields.map((f) => f.text).join(' '), fields }))
  .filter((g) => parseCron(g.text).ok);

/** Vixie cron's matching, written out from the generated sets (not from the schedule under test). */
function referenceMatches(g: Generated, t: Date): boolean {
  const [minute, hour, dom, month, dow] = g.fields as [
    GeneratedField,
    GeneratedField,
    GeneratedField,
    GeneratedField,
    GeneratedField,
  ];
  const day = t.getUTCDay();
  const domOk = dom.values.has(t.getUTCDate());
  const dowOk = dow.values.has(day) || (day === 0 && dow.values.has(7));
  const either = !dom.text.startsWith('*') && !dow.text.startsWith('*');
  return (
    minute.values.has(t.getUTCMinutes()) &&
    hour.values.has(t.getUTCHours()) &&
    month.values.has(t.getUTCMonth() + 1) &&
    (either ? domOk || dowOk : domOk && dowOk)
  );
}

const MINUTE = 60_000;
const WINDOW_MINUTES = 3 * 24 * 60;
const timeArbitrary = fc
  .date({ min: at('1990-01-01T00:00:00Z'), max: at('2090-01-01T00:00:00Z'), noInvalidDate: true })
  .chain((d) => fc.constantFrom(d, new Date(Math.floor(d.getTime() / MINUTE) * MINUTE)));

describe('CronSchedule: properties', () => {
  test('parsing gives the generated sets', () => {
    fc.assert(
      fc.property(expressionArbitrary, (g) => {
        const c = cron(g.text);
        const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
        assert.deepEqual(c.minutes, sorted(g.fields[0]!.values));
        assert.deepEqual(c.hours, sorted(g.fields[1]!.values));
        assert.deepEqual(c.daysOfMonth, sorted(g.fields[2]!.values));
        assert.deepEqual(c.months, sorted(g.fields[3]!.values));
        assert.deepEqual(c.daysOfWeek, sorted(new Set([...g.fields[4]!.values].map((d) => d % 7))));
      }),
      { numRuns: 500 },
    );
  });

  test('next(t) is after t, matches, and no matching minute lies between (brute-force scan)', () => {
    fc.assert(
      fc.property(expressionArbitrary, timeArbitrary, (g, t) => {
        const c = cron(g.text);
        const next = c.next(t);
        assert.ok(next > t, `${iso(next)} is after ${iso(t)}`);
        assert.equal(next.getTime() % MINUTE, 0);
        assert.ok(referenceMatches(g, next), `${g.text}: ${iso(next)} matches`);
        assert.ok(c.matches(next));
        // Scan every minute after t, up to next(t) or the end of the window.
        const first = Math.floor(t.getTime() / MINUTE) * MINUTE + MINUTE;
        const end = Math.min(next.getTime(), first + WINDOW_MINUTES * MINUTE);
        for (let m = first; m < end; m += MINUTE) {
          assert.ok(
            !referenceMatches(g, new Date(m)),
            `${g.text}: ${iso(new Date(m))} matches before ${iso(next)}`,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  test('previous(t) is before t, matches, and no matching minute lies between (brute-force scan)', () => {
    fc.assert(
      fc.property(expressionArbitrary, timeArbitrary, (g, t) => {
        const c = cron(g.text);
        const previous = c.previous(t);
        assert.ok(previous < t, `${iso(previous)} is before ${iso(t)}`);
        assert.ok(referenceMatches(g, previous), `${g.text}: ${iso(previous)} matches`);
        const last = Math.ceil(t.getTime() / MINUTE) * MINUTE - MINUTE;
        const end = Math.max(previous.getTime(), last - WINDOW_MINUTES * MINUTE);
        for (let m = last; m > end; m -= MINUTE) {
          assert.ok(
            !referenceMatches(g, new Date(m)),
            `${g.text}: ${iso(new Date(m))} matches after ${iso(previous)}`,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  test('next and previous are inverse on scheduled minutes', () => {
    fc.assert(
      fc.property(expressionArbitrary, timeArbitrary, (g, t) => {
        const c = cron(g.text);
        const next = c.next(t);
        assert.equal(iso(c.previous(c.next(next))), iso(next));
        assert.equal(iso(c.next(c.previous(next))), iso(next));
        assert.ok(c.previous(next) <= t);
        assert.equal(iso(c.lastAtOrBefore(next)), iso(next));
      }),
      { numRuns: 300 },
    );
  });
});
