import { Cron } from 'croner';

/**
 * Cron schedules, parsed once: the five standard fields, names, steps and the `@` macros. Times are
 * UTC minutes; a schedule runs on the control plane's clock. The grammar and its messages are ours
 * (croner accepts more: seconds, years, L, W, #, ?); the search for scheduled minutes is croner's.
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

export type CronResult = { ok: true; cron: CronSchedule } | { ok: false; message: string };

/**
 * An immutable cron schedule. The allowed values of each field are sorted, frozen arrays;
 * day-of-week uses 0-6 with 0 = Sunday (a 7 in the text becomes 0). We parse the text (our grammar,
 * our messages); croner finds the scheduled minutes, given the parsed sets as plain lists.
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
   * fields restricted, a day matches if either does. Croner (like cron-parser) only knows a bare
   * `*`, so the rule reaches it as its `domAndDow` option.
   */
  readonly dayOfMonthStar: boolean;
  readonly dayOfWeekStar: boolean;

  readonly #croner: Cron;

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
    this.#croner = new Cron(fields.map((values) => values.join(',')).join(' '), {
      utcOffset: 0,
      domAndDow: dayOfMonthStar || dayOfWeekStar,
    });
    Object.freeze(this);
  }

  /** Parse a cron expression; the message names the field, quotes the bad part and says what is valid. */
  static parse(text: string): CronResult {
    const r = parseExpression(text);
    if (typeof r === 'string') return { ok: false, message: `cron "${text}": ${r}` };
    return {
      ok: true,
      cron: new CronSchedule(trimBlanks(text), r.fields, r.dayOfMonthStar, r.dayOfWeekStar),
    };
  }

  /** Whether the minute that contains `at` (UTC) is scheduled. */
  matches(at: Date): boolean {
    return this.#croner.match(new Date(floorMinute(checked(at))));
  }

  /** The first scheduled minute strictly after `after`. */
  next(after: Date): Date {
    const found = this.#croner.nextRun(new Date(floorMinute(checked(after)) + MINUTE_MS - 1));
    if (!found) throw new Error(`cron "${this.text}": no scheduled minute after ${after.toISOString()}`);
    return found;
  }

  /** The last scheduled minute strictly before `before`. */
  previous(before: Date): Date {
    const [found] = this.#croner.previousRuns(1, checked(before));
    if (!found) throw new Error(`cron "${this.text}": no scheduled minute before ${before.toISOString()}`);
    return found;
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
  // Only spaces and tabs separate fields, as in a crontab: a no-break space or a line break pasted
  // from a document would otherwise split fields unseen (croner, for one, takes any whitespace).
  const blank = /[^\S \t]/u.exec(text);
  if (blank) {
    const code = `U+${blank[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const name = BLANK_NAMES[blank[0]];
    return `${name ? `${name} (${code})` : code} at character ${blank.index + 1} is not a space or a tab: separate the fields with spaces`;
  }
  let expression = trimBlanks(text);
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

  const parts = expression === '' ? [] : expression.split(/[ \t]+/);
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

const BLANK_NAMES: Record<string, string> = {
  '\n': 'a line break',
  '\r': 'a carriage return',
  '\u00a0': 'a no-break space',
  '\u3000': 'an ideographic space',
};

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

/** Leading and trailing spaces and tabs, and only those. */
function trimBlanks(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
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
