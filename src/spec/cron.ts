/**
 * Cron schedules, parsed once: the five standard fields, names, steps and the `@` macros. Times are
 * UTC minutes; a schedule runs on the control plane's clock.
 */

const FIELDS = 'minute hour day-of-month month day-of-week';

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names for values, `names[i]` meaning `min + i`. */
  names?: readonly string[];
  /** What a valid single value looks like, for messages. */
  valid: string;
}

const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59, valid: 'a number 0-59' };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23, valid: 'a number 0-23' };
const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31, valid: 'a number 1-31' };
const MONTH: FieldSpec = {
  name: 'month',
  min: 1,
  max: 12,
  names: MONTH_NAMES,
  valid: 'a number 1-12 or a name jan-dec',
};
const DAY_OF_WEEK: FieldSpec = {
  name: 'day-of-week',
  min: 0,
  max: 7,
  names: DAY_NAMES,
  valid: 'a number 0-7 (0 and 7 are Sunday) or a name sun-sat',
};

const MINUTE_MS = 60_000;
/** Far beyond the 28-year cycle in which every date falls on every weekday; reaching it is a bug. */
const SEARCH_YEARS = 500;

export type CronResult = { ok: true; cron: CronSchedule } | { ok: false; message: string };

/**
 * An immutable cron schedule. The allowed values of each field are sorted, frozen arrays;
 * day-of-week uses 0-6 with 0 = Sunday (a 7 in the text becomes 0).
 */
export class CronSchedule {
  readonly text: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  readonly months: readonly number[];
  readonly daysOfWeek: readonly number[];
  /**
   * Vixie cron's star flags: the field's text began with `*` (so `*` and `*\/2` both count).
   * When either day field has it, a day must match both day fields; otherwise, with both day
   * fields restricted, a day matches if either does.
   */
  readonly dayOfMonthStar: boolean;
  readonly dayOfWeekStar: boolean;

  readonly #minute: boolean[];
  readonly #hour: boolean[];
  readonly #dom: boolean[];
  readonly #month: boolean[];
  readonly #dow: boolean[];

  private constructor(text: string, fields: number[][], dayOfMonthStar: boolean, dayOfWeekStar: boolean) {
    const [minutes, hours, daysOfMonth, months, daysOfWeek] = fields as [
      number[],
      number[],
      number[],
      number[],
      number[],
    ];
    this.text = text;
    this.minutes = Object.freeze(minutes);
    this.hours = Object.freeze(hours);
    this.daysOfMonth = Object.freeze(daysOfMonth);
    this.months = Object.freeze(months);
    this.daysOfWeek = Object.freeze(daysOfWeek);
    this.dayOfMonthStar = dayOfMonthStar;
    this.dayOfWeekStar = dayOfWeekStar;
    this.#minute = membership(minutes, 59);
    this.#hour = membership(hours, 23);
    this.#dom = membership(daysOfMonth, 31);
    this.#month = membership(months, 12);
    this.#dow = membership(daysOfWeek, 6);
    Object.freeze(this);
  }

  /** Parse a cron expression; the message names the field, quotes the bad part and says what is valid. */
  static parse(text: string): CronResult {
    const r = parseExpression(text);
    if (typeof r === 'string') return { ok: false, message: `cron "${text}": ${r}` };
    return { ok: true, cron: new CronSchedule(text.trim(), r.fields, r.dayOfMonthStar, r.dayOfWeekStar) };
  }

  /** Whether the minute that contains `at` (UTC) is scheduled. */
  matches(at: Date): boolean {
    const t = fields(floorMinute(checked(at)));
    return (
      this.#month[t.month] === true &&
      this.#dayMatches(t.year, t.month, t.day) &&
      this.#hour[t.hour] === true &&
      this.#minute[t.minute] === true
    );
  }

  /** The first scheduled minute strictly after `after`. */
  next(after: Date): Date {
    const start = floorMinute(checked(after)) + MINUTE_MS;
    let { year, month, day, hour, minute } = fields(start);
    const limit = year + SEARCH_YEARS;
    while (year <= limit) {
      if (!this.#month[month]) {
        const m = firstAtOrAfter(this.months, month + 1);
        if (m === undefined) {
          year++;
          month = this.months[0]!;
        } else {
          month = m;
        }
        day = 1;
        hour = 0;
        minute = 0;
        continue;
      }
      if (day > daysIn(year, month)) {
        month++;
        if (month > 12) {
          year++;
          month = 1;
        }
        day = 1;
        hour = 0;
        minute = 0;
        continue;
      }
      if (!this.#dayMatches(year, month, day)) {
        day = this.#andDays() ? (firstAtOrAfter(this.daysOfMonth, day + 1) ?? 32) : day + 1;
        hour = 0;
        minute = 0;
        continue;
      }
      if (!this.#hour[hour]) {
        const h = firstAtOrAfter(this.hours, hour + 1);
        if (h === undefined) {
          day++;
          hour = 0;
        } else {
          hour = h;
        }
        minute = 0;
        continue;
      }
      const m = firstAtOrAfter(this.minutes, minute);
      if (m === undefined) {
        hour++;
        minute = 0;
        if (hour > 23) {
          day++;
          hour = 0;
        }
        continue;
      }
      return new Date(Date.UTC(year, month - 1, day, hour, m));
    }
    throw new Error(
      `cron "${this.text}": no scheduled minute within ${SEARCH_YEARS} years after ${after.toISOString()}`,
    );
  }

  /** The last scheduled minute strictly before `before`. */
  previous(before: Date): Date {
    const start = floorMinute(checked(before).getTime() - 1);
    let { year, month, day, hour, minute } = fields(start);
    const limit = year - SEARCH_YEARS;
    while (year >= limit) {
      if (!this.#month[month]) {
        const m = lastAtOrBefore(this.months, month - 1);
        if (m === undefined) {
          year--;
          month = this.months[this.months.length - 1]!;
        } else {
          month = m;
        }
        day = daysIn(year, month);
        hour = 23;
        minute = 59;
        continue;
      }
      if (day < 1) {
        month--;
        if (month < 1) {
          year--;
          month = 12;
        }
        day = daysIn(year, month);
        hour = 23;
        minute = 59;
        continue;
      }
      if (!this.#dayMatches(year, month, day)) {
        day = this.#andDays() ? (lastAtOrBefore(this.daysOfMonth, day - 1) ?? 0) : day - 1;
        hour = 23;
        minute = 59;
        continue;
      }
      if (!this.#hour[hour]) {
        const h = lastAtOrBefore(this.hours, hour - 1);
        if (h === undefined) {
          day--;
          hour = 23;
        } else {
          hour = h;
        }
        minute = 59;
        continue;
      }
      const m = lastAtOrBefore(this.minutes, minute);
      if (m === undefined) {
        hour--;
        minute = 59;
        if (hour < 0) {
          day--;
          hour = 23;
        }
        continue;
      }
      return new Date(Date.UTC(year, month - 1, day, hour, m));
    }
    throw new Error(
      `cron "${this.text}": no scheduled minute within ${SEARCH_YEARS} years before ${before.toISOString()}`,
    );
  }

  /**
   * The latest scheduled minute at or before `now`: the run that is due. A job whose last run is
   * older than this missed it (the control plane was down) and runs once.
   */
  lastAtOrBefore(now: Date): Date {
    return this.previous(new Date(floorMinute(checked(now)) + 1));
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }

  /** With a star in either day field a day must match both; with both restricted, either. */
  #dayMatches(year: number, month: number, day: number): boolean {
    const dom = this.#dom[day] === true;
    const dow = this.#dow[dayOfWeek(year, month, day)] === true;
    return this.#andDays() ? dom && dow : dom || dow;
  }

  #andDays(): boolean {
    return this.dayOfMonthStar || this.dayOfWeekStar;
  }
}

/** Parse a cron expression; the message names the field, quotes the bad part and says what is valid. */
export function parseCron(text: string): CronResult {
  return CronSchedule.parse(text);
}

interface Parsed {
  fields: number[][];
  dayOfMonthStar: boolean;
  dayOfWeekStar: boolean;
}

/** The fields of an expression, or a message (without the `cron "…":` prefix). */
function parseExpression(text: string): Parsed | string {
  let expression = text.trim();
  if (expression.startsWith('@')) {
    const macro = expression.toLowerCase();
    if (macro === '@reboot') {
      return `@reboot is not supported because schedules run on the control plane's clock, not at a machine's start-up; use a time such as @daily or "0 2 * * *"`;
    }
    const expansion = MACROS[macro];
    if (!expansion) {
      return `unknown macro "${expression}": use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly`;
    }
    expression = expansion;
  }

  const parts = expression === '' ? [] : expression.split(/\s+/);
  if (parts.length !== 5) {
    const extra = parts.length === 6 ? ': a seconds or year field is not supported' : '';
    return `expected 5 fields (${FIELDS}), got ${parts.length}${extra}`;
  }

  const specs = [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK];
  const fields: number[][] = [];
  for (let i = 0; i < 5; i++) {
    const r = parseField(parts[i]!, specs[i]!);
    if (typeof r === 'string') return r;
    fields.push(r);
  }
  fields[4] = [...new Set(fields[4]!.map((d) => d % 7))].sort((a, b) => a - b);

  const dayOfMonthStar = parts[2]!.startsWith('*');
  const dayOfWeekStar = parts[4]!.startsWith('*');
  // When a day must match both day fields, a day-of-month that no chosen month has never comes (every
  // date that does exist falls on every weekday sooner or later). With both restricted, either will do.
  if (
    (dayOfMonthStar || dayOfWeekStar) &&
    !fields[2]!.some((d) => fields[3]!.some((m) => d <= MAX_DAYS[m - 1]!))
  ) {
    return `day-of-month "${parts[2]}" never occurs in month "${parts[3]}", so the schedule would never run`;
  }
  return { fields, dayOfMonthStar, dayOfWeekStar };
}

/** The most days each month can have (February in a leap year). */
const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The sorted values a field allows, or a message. */
function parseField(field: string, spec: FieldSpec): number[] | string {
  const allowed = new Set<number>();
  for (const item of field.split(',')) {
    if (item === '')
      return `${spec.name} "${field}" has an empty item in its list: write values such as 1,15`;
    const r = parseItem(item, spec);
    if (typeof r === 'string') return r;
    for (const v of r) allowed.add(v);
  }
  return [...allowed].sort((a, b) => a - b);
}

/** One list item: `*`, `N`, `A-B`, each with an optional `/STEP`. */
function parseItem(item: string, spec: FieldSpec): number[] | string {
  const m = /^([^/]*)(?:\/(.*))?$/.exec(item)!;
  const rangeText = m[1]!;
  const stepText = m[2];

  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
      return `${spec.name} "${item}" has a step of "${stepText}": use a whole number of 1 or more, such as */15`;
    }
    step = Number(stepText);
  }

  let low: number;
  let high: number;
  if (rangeText === '*') {
    low = spec.min;
    high = spec.max;
  } else {
    const bounds = rangeText.split('-');
    if (bounds.length > 2 || bounds.some((b) => b === '')) return invalidItem(item, spec);
    let first = parseValue(bounds[0]!, spec);
    if (typeof first === 'string') return first;
    if (bounds.length === 1) {
      if (stepText !== undefined) {
        return `${spec.name} "${item}" has a step but no range: write ${bounds[0]}-${spec.max}/${stepText}`;
      }
      return [first];
    }
    let last = parseValue(bounds[1]!, spec);
    if (typeof last === 'string') return last;
    // Sunday is both 0 and 7: a range may end the week on it (fri-sun) or start the week on it (7-2).
    if (spec === DAY_OF_WEEK && last === 0 && first > 0) last = 7;
    if (spec === DAY_OF_WEEK && first === 7 && last < 7) first = 0;
    if (first > last) {
      const max = spec === DAY_OF_WEEK ? 6 : spec.max;
      const span = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
      return `${spec.name} "${item}" runs backwards: write it as ${span(first, max)},${span(spec.min, last)}`;
    }
    low = first;
    high = last;
  }
  const values: number[] = [];
  for (let v = low; v <= high; v += step) values.push(v);
  return values;
}

/** A number or a name, within the field's range. */
function parseValue(text: string, spec: FieldSpec): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < spec.min || n > spec.max) return `${spec.name} "${text}" is out of range ${spec.min}-${spec.max}`;
    return n;
  }
  const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index >= 0) return spec.min + index;
  if (/^[a-z]+$/i.test(text)) return `${spec.name} "${text}" is not a valid value: use ${spec.valid}`;
  return invalidItem(text, spec);
}

function invalidItem(item: string, spec: FieldSpec): string {
  return (
    `${spec.name} "${item}" is not valid: use *, ${spec.valid}, a list such as 1,2, ` +
    `a range such as ${spec.min + 1}-${spec.min + 5} or a step such as */2`
  );
}

function membership(values: readonly number[], max: number): boolean[] {
  const flags = Array.from({ length: max + 1 }, () => false);
  for (const v of values) flags[v] = true;
  return flags;
}

function firstAtOrAfter(sorted: readonly number[], x: number): number | undefined {
  for (const v of sorted) if (v >= x) return v;
  return undefined;
}

function lastAtOrBefore(sorted: readonly number[], x: number): number | undefined {
  for (let i = sorted.length - 1; i >= 0; i--) if (sorted[i]! <= x) return sorted[i];
  return undefined;
}

function checked(d: Date): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime()))
    throw new RangeError(`not a valid date: ${String(d)}`);
  return d;
}

function floorMinute(t: Date | number): number {
  const ms = typeof t === 'number' ? t : t.getTime();
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function fields(ms: number) {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}
