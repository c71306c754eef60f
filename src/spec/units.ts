/**
 * The spec's quantities, parsed once into immutable values: sizes, CPUs, durations and
 * percentages. `parse` refuses bad input with a message that quotes it and shows valid forms;
 * the named constructors are for code, and throw on a bad number (a bug, not a user mistake).
 */

export type ValueResult<T> = { ok: true; value: T } | { ok: false; message: string };

const KiB = 2 ** 10;
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const TiB = 2 ** 40;

/** Size units by lower-case name; single upper-case letters (K M G T) are decimal, as in Kubernetes. */
const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  ki: KiB,
  kib: KiB,
  mi: MiB,
  mib: MiB,
  gi: GiB,
  gib: GiB,
  ti: TiB,
  tib: TiB,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};
const DECIMAL_LETTERS: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** The units `toString` chooses from, binary first so that it wins a tie. */
const NAMED_UNITS: readonly [string, number][] = [
  ['TiB', TiB],
  ['GiB', GiB],
  ['MiB', MiB],
  ['KiB', KiB],
  ['TB', 1e12],
  ['GB', 1e9],
  ['MB', 1e6],
  ['KB', 1e3],
];

const SIZE_FORMS = 'use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi';

/** An amount of memory or disk, in whole bytes. */
export class Size {
  private readonly byteCount: number;

  private constructor(bytes: number) {
    this.byteCount = bytes;
    Object.freeze(this);
  }

  static bytes(n: number): Size {
    return new Size(wholeUnits(n, 1, 'bytes'));
  }

  static kibibytes(n: number): Size {
    return new Size(wholeUnits(n, KiB, 'kibibytes'));
  }

  static mebibytes(n: number): Size {
    return new Size(wholeUnits(n, MiB, 'mebibytes'));
  }

  static gibibytes(n: number): Size {
    return new Size(wholeUnits(n, GiB, 'gibibytes'));
  }

  static tebibytes(n: number): Size {
    return new Size(wholeUnits(n, TiB, 'tebibytes'));
  }

  /**
   * `512MiB`, `1GiB`, `10Gi`, `1.5GB`, `100M`, `1024` (bytes). Binary units: Ki Mi Gi Ti, with or
   * without a trailing B; decimal: K/KB M/MB G/GB T/TB. Fractions of a byte round up, as in
   * Kubernetes. Single lower-case `k m g t` are refused: Docker reads them as binary.
   */
  static parse(input: unknown): ValueResult<Size> {
    const text = textOf(input);
    const bad = (why: string) => ({ ok: false as const, message: `${quote(input)} ${why}` });
    if (text === undefined) return bad(`is not a size: ${SIZE_FORMS}`);
    const m = /^(\d+(?:\.\d+)?|\.\d+) ?([A-Za-z]*)$/.exec(text);
    if (!m) return bad(`is not a size: ${SIZE_FORMS}`);
    const [, number, unit] = m as unknown as [string, string, string];
    if (/^[kmgt]$/.test(unit)) {
      const u = unit.toUpperCase();
      return bad(
        `is ambiguous: write ${number}${u}iB (binary, as Docker reads it) or ${number}${u}B (decimal)`,
      );
    }
    const factor = DECIMAL_LETTERS[unit] ?? SIZE_UNITS[unit.toLowerCase()];
    if (factor === undefined) return bad(`is not a size: ${SIZE_FORMS}`);
    if (unit === '' && number.includes('.')) {
      return bad(`is not a whole number of bytes: add a unit, such as ${number}GiB or ${number}MiB`);
    }
    const bytes = scaleDecimal(number, factor, 'up');
    if (bytes === 0) return bad(`is not a size: a size must be more than 0, such as 512MiB or 1GiB`);
    if (bytes > Number.MAX_SAFE_INTEGER) return bad(`is too large: a size can be at most 8191TiB`);
    return { ok: true, value: new Size(bytes) };
  }

  toBytes(): number {
    return this.byteCount;
  }

  toKibibytes(): number {
    return this.byteCount / KiB;
  }

  toMebibytes(): number {
    return this.byteCount / MiB;
  }

  toGibibytes(): number {
    return this.byteCount / GiB;
  }

  plus(other: Size): Size {
    return new Size(this.byteCount + other.byteCount);
  }

  /** Fractions of a byte round up. */
  times(factor: number): Size {
    return new Size(wholeUnits(factor, this.byteCount, 'a size factor'));
  }

  equals(other: Size): boolean {
    return this.byteCount === other.byteCount;
  }

  /**
   * The shortest form that parses back to exactly these bytes, a binary unit winning a tie:
   * `1GiB`, `512MiB`, `1.5GiB`, `1.5GB`, and bytes as `1023B` when no unit is shorter.
   */
  toString(): string {
    let best: string | undefined;
    for (const [name, factor] of NAMED_UNITS) {
      const amount = this.byteCount / factor;
      if (amount < 1) continue;
      for (let decimals = 0; decimals <= 3; decimals++) {
        const number = `${roundTo(amount, decimals)}`;
        if (scaleDecimal(number, factor, 'up') !== this.byteCount) continue;
        if (best === undefined || number.length + name.length < best.length) best = number + name;
        break;
      }
    }
    const bytes = `${this.byteCount}B`;
    return best !== undefined && best.length <= bytes.length ? best : bytes;
  }

  /** Docker's form (binary units): `512m`, `1g`, `1536k`, or bytes as `1000b`. */
  toDockerString(): string {
    for (const [suffix, factor] of [
      ['g', GiB],
      ['m', MiB],
      ['k', KiB],
    ] as const) {
      if (this.byteCount % factor === 0) return `${this.byteCount / factor}${suffix}`;
    }
    return `${this.byteCount}b`;
  }

  /** A Kubernetes quantity: a whole number of Ti Gi Mi Ki if one fits, else of T G M k, else bytes. */
  toKubernetes(): string {
    for (const [suffix, factor] of [
      ['Ti', TiB],
      ['Gi', GiB],
      ['Mi', MiB],
      ['Ki', KiB],
      ['T', 1e12],
      ['G', 1e9],
      ['M', 1e6],
      ['k', 1e3],
    ] as const) {
      if (this.byteCount % factor === 0) return `${this.byteCount / factor}${suffix}`;
    }
    return `${this.byteCount}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

const CPU_FORMS = 'use cores such as 0.5, 1 or 2, or millicores such as 500m';

/** CPU cores, held as whole millicores (Kubernetes' precision). */
export class Cpus {
  private readonly milli: number;

  private constructor(millicores: number) {
    this.milli = millicores;
    Object.freeze(this);
  }

  static cores(n: number): Cpus {
    return new Cpus(exactUnits(n, 1000, 'cores'));
  }

  static millicores(n: number): Cpus {
    return new Cpus(exactUnits(n, 1, 'millicores'));
  }

  /** `0.5`, `2`, `"1.5"` (cores, number or string) or `500m` (millicores); more than zero. */
  static parse(input: unknown): ValueResult<Cpus> {
    const text = textOf(input);
    const bad = (why: string) => ({ ok: false as const, message: `${quote(input)} ${why}` });
    if (text === undefined) return bad(`is not a CPU amount: ${CPU_FORMS}`);
    const cores = /^(\d+(?:\.\d+)?|\.\d+)$/.exec(text);
    const milli = /^(\d+(?:\.\d+)?)m$/.exec(text);
    if (!cores && !milli) return bad(`is not a CPU amount: ${CPU_FORMS}`);
    const number = (cores ?? milli)![1]!;
    const exact = scaleDecimal(number, cores ? 1000 : 1, 'exact');
    if (exact === undefined)
      return bad(`is finer than a millicore: use at least 0.001 or 1m, in steps of 1m`);
    if (exact === 0) return bad(`is not enough CPU: use more than 0, such as 0.5 or 500m`);
    if (exact > Number.MAX_SAFE_INTEGER) return bad(`is too many CPUs: ${CPU_FORMS}`);
    return { ok: true, value: new Cpus(exact) };
  }

  toCores(): number {
    return this.milli / 1000;
  }

  toMillicores(): number {
    return this.milli;
  }

  /** The Docker Engine API's `NanoCpus`. */
  toNanoCpus(): number {
    return this.milli * 1e6;
  }

  plus(other: Cpus): Cpus {
    return new Cpus(this.milli + other.milli);
  }

  /** Fractions of a millicore round up. */
  times(factor: number): Cpus {
    return new Cpus(wholeUnits(factor, this.milli, 'a CPU factor'));
  }

  equals(other: Cpus): boolean {
    return this.milli === other.milli;
  }

  /** Cores as a decimal, as Docker Compose's `cpus` takes them: `0.5`, `2`, `0.25`. */
  toString(): string {
    return `${this.milli / 1000}`;
  }

  /** `500m`, or whole cores as `2`. */
  toKubernetes(): string {
    return this.milli % 1000 === 0 ? `${this.milli / 1000}` : `${this.milli}m`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Duration units, largest first. */
const DURATION_UNITS: readonly [string, number][] = [
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const DURATION_FORMS = 'use a number with a unit (ms, s, m, h, d, w) such as 15s, 5m, 2h, 7d or 1h30m';

/** A span of time, in whole milliseconds. */
export class Duration {
  private readonly ms: number;

  private constructor(milliseconds: number) {
    this.ms = milliseconds;
    Object.freeze(this);
  }

  static milliseconds(n: number): Duration {
    return new Duration(exactUnits(n, 1, 'milliseconds'));
  }

  static seconds(n: number): Duration {
    return new Duration(exactUnits(n, 1000, 'seconds'));
  }

  static minutes(n: number): Duration {
    return new Duration(exactUnits(n, 60_000, 'minutes'));
  }

  static hours(n: number): Duration {
    return new Duration(exactUnits(n, 3_600_000, 'hours'));
  }

  static days(n: number): Duration {
    return new Duration(exactUnits(n, 86_400_000, 'days'));
  }

  /** `15s`, `5m`, `2h`, `7d`, `1w`, `500ms`, `1.5h`, and compounds largest first: `1h30m`. */
  static parse(input: unknown): ValueResult<Duration> {
    const text = textOf(input);
    const bad = (why: string) => ({ ok: false as const, message: `${quote(input)} ${why}` });
    if (text === undefined) return bad(`is not a duration: ${DURATION_FORMS}`);
    if (/^\d+(\.\d+)?$/.test(text)) {
      return bad(`has no unit: write ${text}s for seconds, ${text}m for minutes or ${text}h for hours`);
    }
    if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(text)) return bad(`is not a duration: ${DURATION_FORMS}`);

    let total = 0;
    let inOrder = true;
    let previousRank = -1;
    for (const [, number, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
      const rank = DURATION_UNITS.findIndex(([name]) => name === unit);
      if (rank <= previousRank) inOrder = false;
      previousRank = rank;
      const ms = scaleDecimal(number!, DURATION_UNITS[rank]![1], 'exact');
      if (ms === undefined) return bad(`is finer than a millisecond: use whole milliseconds, such as 1ms`);
      total += ms;
    }
    if (total > Number.MAX_SAFE_INTEGER) return bad(`is too long: ${DURATION_FORMS}`);
    const value = new Duration(total);
    if (!inOrder) return bad(`must name each unit once, largest first: write ${value}`);
    return { ok: true, value };
  }

  toMilliseconds(): number {
    return this.ms;
  }

  toSeconds(): number {
    return this.ms / 1000;
  }

  /** The Docker Engine API's health check intervals and timeouts. */
  toNanoseconds(): number {
    return this.ms * 1e6;
  }

  plus(other: Duration): Duration {
    return new Duration(this.ms + other.ms);
  }

  equals(other: Duration): boolean {
    return this.ms === other.ms;
  }

  /** Compact, largest unit first, no weeks: `5m`, `1h30m`, `7d`, `500ms`, `0s`. */
  toString(): string {
    return compound(this.ms, ['d', 'h', 'm', 's', 'ms']);
  }

  /** Prometheus' duration syntax (compound units, largest first): `5m`, `1h30m`, `30d`. */
  toPrometheus(): string {
    return this.toString();
  }

  /** Go's `time.Duration` syntax, which has no days, as Docker Compose reads it: `168h`, `1m30s`. */
  toGoDuration(): string {
    return compound(this.ms, ['h', 'm', 's', 'ms']);
  }

  toJSON(): string {
    return this.toString();
  }
}

/** A percentage from 0% to 100%. */
export class Percent {
  /** 0 to 100. */
  readonly value: number;

  private constructor(value: number) {
    this.value = value;
    Object.freeze(this);
  }

  /** `Percent.of(80)` is 80%. */
  static of(value: number): Percent {
    if (!Number.isFinite(value) || value < 0 || value > 100) {
      throw new RangeError(`a percentage must be from 0 to 100, got ${value}`);
    }
    return new Percent(value);
  }

  /** `Percent.fromFraction(0.8)` is 80%. */
  static fromFraction(fraction: number): Percent {
    return Percent.of(Math.round(fraction * 100 * 1e9) / 1e9);
  }

  /** `80%`, `5%`, `99.5%`: the `%` is required. */
  static parse(input: unknown): ValueResult<Percent> {
    const text = textOf(input);
    const bad = (why: string) => ({ ok: false as const, message: `${quote(input)} ${why}` });
    const forms = 'use a number from 0 to 100 followed by %, such as 80% or 99.5%';
    if (text === undefined) return bad(`is not a percentage: ${forms}`);
    if (/^(\d+(\.\d+)?|\.\d+)$/.test(text)) return bad(`has no % sign: write ${text}%`);
    const m = /^(\d+(?:\.\d+)?|\.\d+) ?%$/.exec(text);
    if (!m) return bad(`is not a percentage: ${forms}`);
    const value = Number(m[1]);
    if (value > 100) return bad(`is more than 100%: ${forms}`);
    return { ok: true, value: new Percent(value) };
  }

  /** 0 to 1. */
  get fraction(): number {
    return this.value / 100;
  }

  equals(other: Percent): boolean {
    return this.value === other.value;
  }

  toString(): string {
    return `${this.value}%`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** The input as text, if it is a string or a finite number. */
function textOf(input: unknown): string | undefined {
  if (typeof input === 'string') return input.trim();
  if (typeof input === 'number' && Number.isFinite(input)) return `${input}`;
  return undefined;
}

function quote(input: unknown): string {
  if (typeof input === 'string') return `"${input.trim()}"`;
  if (typeof input === 'number') return `"${input}"`;
  return JSON.stringify(input) ?? String(input);
}

/**
 * A decimal numeral times an integer factor, exactly: `'up'` rounds a fraction up, `'exact'`
 * gives undefined when the result is not whole.
 */
function scaleDecimal(numeral: string, factor: number, rounding: 'up'): number;
function scaleDecimal(numeral: string, factor: number, rounding: 'exact'): number | undefined;
function scaleDecimal(numeral: string, factor: number, rounding: 'up' | 'exact'): number | undefined {
  const [whole = '', fraction = ''] = numeral.split('.');
  const scaled = BigInt(whole + fraction || '0') * BigInt(factor);
  const divisor = 10n ** BigInt(fraction.length);
  const quotient = scaled / divisor;
  if (scaled % divisor === 0n) return Number(quotient);
  return rounding === 'up' ? Number(quotient + 1n) : undefined;
}

/** `n * factor` as a whole count, rounding a fraction up; for code, so bad numbers throw. */
function wholeUnits(n: number, factor: number, what: string): number {
  if (!Number.isFinite(n) || n < 0)
    throw new RangeError(`${what} must be a finite number of 0 or more, got ${n}`);
  const product = n * factor;
  const rounded = Math.round(product);
  // Forgive binary floating-point noise (0.3 * 1000) before rounding up.
  const whole = Math.abs(product - rounded) < 1e-9 * Math.max(1, product) ? rounded : Math.ceil(product);
  if (whole > Number.MAX_SAFE_INTEGER) throw new RangeError(`${n} ${what} is too large`);
  return whole;
}

/** `n * factor`, which must come out whole (up to floating-point noise). */
function exactUnits(n: number, factor: number, what: string): number {
  if (!Number.isFinite(n) || n < 0)
    throw new RangeError(`${what} must be a finite number of 0 or more, got ${n}`);
  const product = n * factor;
  const rounded = Math.round(product);
  if (Math.abs(product - rounded) > 1e-9 * Math.max(1, product)) {
    throw new RangeError(`${n} ${what} is not a whole number of the smallest unit`);
  }
  if (rounded > Number.MAX_SAFE_INTEGER) throw new RangeError(`${n} ${what} is too large`);
  return rounded;
}

function roundTo(n: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(n * scale) / scale;
}

function compound(ms: number, names: readonly string[]): string {
  let rest = ms;
  let out = '';
  for (const [name, size] of DURATION_UNITS) {
    if (!names.includes(name)) continue;
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${name}`;
    rest -= count * size;
  }
  return out || '0s';
}
