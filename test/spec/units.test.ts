import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Cpus, Duration, Percent, Size, type ValueResult } from '../../src/spec/units.ts';

function ok<T>(r: ValueResult<T>): T {
  if (!r.ok) assert.fail(r.message);
  return r.value;
}

function refused<T>(r: ValueResult<T>): string {
  if (r.ok) assert.fail(`expected a refusal, got ${String(r.value)}`);
  return r.message;
}

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

/** A Kubernetes quantity, as its resource.Quantity grammar allows it (no exponents). */
const KUBERNETES_QUANTITY = /^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** Prometheus' duration grammar (model.ParseDuration). */
const PROMETHEUS_DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

describe('Size', () => {
  const forms: [unknown, number][] = [
    ['512MiB', 512 * MiB],
    ['1GiB', GiB],
    ['1.5GB', 1_500_000_000],
    ['10Gi', 10 * GiB],
    ['500Mi', 500 * MiB],
    ['100M', 100_000_000],
    ['100MB', 100_000_000],
    ['2TiB', 2 * TiB],
    ['2Ti', 2 * TiB],
    ['1T', 1e12],
    ['1TB', 1e12],
    ['1G', 1e9],
    ['1024', 1024],
    [1024, 1024],
    ['1024B', 1024],
    ['1024b', 1024],
    ['512KiB', 512 * KiB],
    ['512Ki', 512 * KiB],
    ['512K', 512_000],
    ['512KB', 512_000],
    ['512kB', 512_000],
    ['1gib', GiB],
    ['1GIB', GiB],
    ['256mi', 256 * MiB],
    ['1.5GiB', 1.5 * GiB],
    ['.5GiB', 0.5 * GiB],
    ['1 GiB', GiB],
    ['  8GiB  ', 8 * GiB],
    // Fractions of a byte round up, as in Kubernetes.
    ['1.3GiB', 1_395_864_372],
    ['0.001KiB', 2],
  ];
  for (const [input, bytes] of forms) {
    test(`parses ${JSON.stringify(input)}`, () => assert.equal(ok(Size.parse(input)).toBytes(), bytes));
  }

  const errors: [unknown, string][] = [
    ['12XB', '"12XB" is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    ['GiB', '"GiB" is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    ['-1GiB', '"-1GiB" is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    ['1,5GiB', '"1,5GiB" is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    ['1e9', '"1e9" is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    ['', '"" is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    [-5, '"-5" is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    [Number.NaN, '"NaN" is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    [true, 'true is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    [null, 'null is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    [{ gib: 1 }, '{"gib":1} is not a size: use a number with a unit such as 512MiB, 1GiB, 1.5GB or 10Gi'],
    ['512m', '"512m" is ambiguous: write 512MiB (binary, as Docker reads it) or 512MB (decimal)'],
    ['1g', '"1g" is ambiguous: write 1GiB (binary, as Docker reads it) or 1GB (decimal)'],
    ['100k', '"100k" is ambiguous: write 100KiB (binary, as Docker reads it) or 100KB (decimal)'],
    ['0', '"0" is not a size: a size must be more than 0, such as 512MiB or 1GiB'],
    ['0GiB', '"0GiB" is not a size: a size must be more than 0, such as 512MiB or 1GiB'],
    ['1.5', '"1.5" is not a whole number of bytes: add a unit, such as 1.5GiB or 1.5MiB'],
    [1.5, '"1.5" is not a whole number of bytes: add a unit, such as 1.5GiB or 1.5MiB'],
    ['9000TiB', '"9000TiB" is too large: a size can be at most 8191TiB'],
  ];
  for (const [input, message] of errors) {
    test(`refuses ${JSON.stringify(input) ?? String(input)}`, () =>
      assert.equal(refused(Size.parse(input)), message));
  }

  test('named constructors and conversions', () => {
    assert.equal(Size.bytes(1024).toBytes(), 1024);
    assert.equal(Size.kibibytes(2).toBytes(), 2048);
    assert.equal(Size.mebibytes(512).toBytes(), 512 * MiB);
    assert.equal(Size.gibibytes(1.5).toBytes(), 1.5 * GiB);
    assert.equal(Size.tebibytes(1).toBytes(), TiB);
    assert.equal(Size.gibibytes(2).toMebibytes(), 2048);
    assert.equal(Size.mebibytes(512).toGibibytes(), 0.5);
    assert.equal(Size.mebibytes(1).toKibibytes(), 1024);
    assert.equal(Size.bytes(1.2).toBytes(), 2, 'fractions of a byte round up');
    assert.equal(Size.bytes(0).toBytes(), 0, 'zero is a valid sum, though not a valid spec value');
    assert.throws(() => Size.bytes(-1), RangeError);
    assert.throws(() => Size.mebibytes(Number.NaN), RangeError);
    assert.throws(() => Size.tebibytes(10_000), RangeError);
  });

  test('arithmetic', () => {
    assert.equal(Size.gibibytes(1).plus(Size.mebibytes(512)).toString(), '1.5GiB');
    assert.equal(Size.mebibytes(256).times(4).toString(), '1GiB');
    assert.equal(Size.bytes(3).times(0.5).toBytes(), 2);
    assert.equal(Size.mebibytes(512).times(0).toBytes(), 0);
    assert.throws(() => Size.mebibytes(1).times(-1), RangeError);
    assert.ok(Size.parse('1GiB').ok && ok(Size.parse('1GiB')).equals(Size.mebibytes(1024)));
    assert.ok(!ok(Size.parse('1GB')).equals(Size.gibibytes(1)));
  });

  const strings: [number, string, string, string][] = [
    // bytes, toString, toDockerString, toKubernetes
    [GiB, '1GiB', '1g', '1Gi'],
    [512 * MiB, '512MiB', '512m', '512Mi'],
    [1.5 * GiB, '1.5GiB', '1536m', '1536Mi'],
    [1.25 * GiB, '1.25GiB', '1280m', '1280Mi'],
    [10 * GiB, '10GiB', '10g', '10Gi'],
    [2 * TiB, '2TiB', '2048g', '2Ti'],
    [1024, '1KiB', '1k', '1Ki'],
    [512 * KiB, '512KiB', '512k', '512Ki'],
    [1_500_000_000, '1.5GB', '1500000000b', '1500M'],
    [100_000_000, '100MB', '100000000b', '100M'],
    [512_000, '512KB', '500k', '500Ki'],
    [1000, '1KB', '1000b', '1k'],
    [1023, '1023B', '1023b', '1023'],
    [123_456_789, '123456789B', '123456789b', '123456789'],
    [1_395_864_372, '1.3GiB', '1395864372b', '1395864372'],
  ];
  for (const [bytes, human, docker, kubernetes] of strings) {
    test(`${bytes} bytes is ${human}, ${docker} for Docker, ${kubernetes} for Kubernetes`, () => {
      const size = Size.bytes(bytes);
      assert.equal(size.toString(), human);
      assert.equal(size.toDockerString(), docker);
      assert.equal(size.toKubernetes(), kubernetes);
      assert.equal(JSON.stringify({ memory: size }), `{"memory":"${human}"}`);
    });
  }

  test('a size is an immutable value: equal sizes are deep-equal, different ones are not', () => {
    const size = ok(Size.parse('1GiB'));
    assert.ok(Object.isFrozen(size));
    assert.deepEqual(size, Size.gibibytes(1));
    assert.notDeepEqual(size, Size.mebibytes(1));
  });

  test('round trip: parse(toString()) gives the same bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        const size = Size.bytes(bytes);
        assert.ok(ok(Size.parse(size.toString())).equals(size), size.toString());
        assert.match(size.toKubernetes(), KUBERNETES_QUANTITY);
        assert.match(size.toDockerString(), /^\d+[bkmg]$/);
      }),
      { numRuns: 2000 },
    );
  });

  test('round trip: what a user writes comes back as a form that parses to the same bytes', () => {
    const unit = fc.constantFrom(
      '',
      'B',
      'Ki',
      'KiB',
      'Mi',
      'MiB',
      'Gi',
      'GiB',
      'K',
      'KB',
      'M',
      'MB',
      'G',
      'GB',
    );
    const number = fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 0, max: 999 }));
    fc.assert(
      fc.property(number, unit, ([whole, thousandths], u) => {
        const text =
          u === '' || u === 'B' ? `${whole}${u}` : `${whole}.${String(thousandths).padStart(3, '0')}${u}`;
        const size = ok(Size.parse(text));
        assert.ok(ok(Size.parse(size.toString())).equals(size), `${text} -> ${size}`);
        assert.ok(size.toString().length <= text.length + 2, `${text} -> ${size} is compact`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Cpus', () => {
  const forms: [unknown, number][] = [
    [0.5, 500],
    ['0.5', 500],
    ['.5', 500],
    ['500m', 500],
    [2, 2000],
    ['2', 2000],
    ['1.5', 1500],
    [0.1, 100],
    [0.3, 300],
    ['0.001', 1],
    ['1m', 1],
    ['250m', 250],
    ['1500m', 1500],
    [' 4 ', 4000],
  ];
  for (const [input, millicores] of forms) {
    test(`parses ${JSON.stringify(input)}`, () =>
      assert.equal(ok(Cpus.parse(input)).toMillicores(), millicores));
  }

  const forms_ = 'use cores such as 0.5, 1 or 2, or millicores such as 500m';
  const errors: [unknown, string][] = [
    [0, '"0" is not enough CPU: use more than 0, such as 0.5 or 500m'],
    ['0m', '"0m" is not enough CPU: use more than 0, such as 0.5 or 500m'],
    ['0.0', '"0.0" is not enough CPU: use more than 0, such as 0.5 or 500m'],
    [-1, `"-1" is not a CPU amount: ${forms_}`],
    ['-0.5', `"-0.5" is not a CPU amount: ${forms_}`],
    [Number.NaN, `"NaN" is not a CPU amount: ${forms_}`],
    ['NaN', `"NaN" is not a CPU amount: ${forms_}`],
    ['two', `"two" is not a CPU amount: ${forms_}`],
    ['500M', `"500M" is not a CPU amount: ${forms_}`],
    ['2 cores', `"2 cores" is not a CPU amount: ${forms_}`],
    ['', `"" is not a CPU amount: ${forms_}`],
    [false, `false is not a CPU amount: ${forms_}`],
    ['0.0005', '"0.0005" is finer than a millicore: use at least 0.001 or 1m, in steps of 1m'],
    ['1.5m', '"1.5m" is finer than a millicore: use at least 0.001 or 1m, in steps of 1m'],
  ];
  for (const [input, message] of errors) {
    test(`refuses ${JSON.stringify(input) ?? String(input)}`, () =>
      assert.equal(refused(Cpus.parse(input)), message));
  }

  test('named constructors and conversions', () => {
    assert.equal(Cpus.cores(0.5).toMillicores(), 500);
    assert.equal(Cpus.cores(0.3).toMillicores(), 300);
    assert.equal(Cpus.millicores(250).toCores(), 0.25);
    assert.equal(Cpus.cores(2).toCores(), 2);
    assert.equal(Cpus.cores(1.5).toNanoCpus(), 1_500_000_000);
    assert.throws(() => Cpus.cores(0.0005), RangeError);
    assert.throws(() => Cpus.millicores(1.5), RangeError);
    assert.throws(() => Cpus.cores(-1), RangeError);
    assert.throws(() => Cpus.cores(Number.NaN), RangeError);
  });

  test('arithmetic', () => {
    assert.equal(Cpus.cores(0.5).plus(Cpus.millicores(250)).toString(), '0.75');
    assert.equal(Cpus.cores(0.25).times(2).toString(), '0.5');
    assert.equal(Cpus.millicores(1).times(0.5).toMillicores(), 1, 'fractions of a millicore round up');
    assert.equal(Cpus.cores(0.1).plus(Cpus.cores(0.2)).toMillicores(), 300, 'no floating-point drift');
    assert.ok(ok(Cpus.parse('500m')).equals(Cpus.cores(0.5)));
  });

  const strings: [number, string, string][] = [
    [500, '0.5', '500m'],
    [2000, '2', '2'],
    [250, '0.25', '250m'],
    [1500, '1.5', '1500m'],
    [1, '0.001', '1m'],
    [1234, '1.234', '1234m'],
  ];
  for (const [millicores, human, kubernetes] of strings) {
    test(`${millicores}m is ${human}, ${kubernetes} for Kubernetes`, () => {
      const cpus = Cpus.millicores(millicores);
      assert.equal(cpus.toString(), human);
      assert.equal(cpus.toKubernetes(), kubernetes);
      assert.equal(JSON.stringify(cpus), `"${human}"`);
    });
  }

  test('a CPU amount is an immutable value', () => {
    const cpus = ok(Cpus.parse('500m'));
    assert.ok(Object.isFrozen(cpus));
    assert.deepEqual(cpus, Cpus.cores(0.5));
    assert.notDeepEqual(cpus, Cpus.cores(1));
  });

  test('round trip: toString and toKubernetes parse back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (millicores) => {
        const cpus = Cpus.millicores(millicores);
        assert.ok(ok(Cpus.parse(cpus.toString())).equals(cpus));
        assert.ok(ok(Cpus.parse(cpus.toKubernetes())).equals(cpus));
        assert.ok(ok(Cpus.parse(cpus.toCores())).equals(cpus), 'the number of cores, as YAML would give it');
        assert.match(cpus.toKubernetes(), KUBERNETES_QUANTITY);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Duration', () => {
  const forms: [unknown, number][] = [
    ['15s', 15_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 7 * 86_400_000],
    ['1w', 7 * 86_400_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1d12h', 36 * 3_600_000],
    ['1m30s', 90_000],
    ['1s500ms', 1500],
    ['1w2d3h4m5s6ms', (((9 * 24 + 3) * 60 + 4) * 60 + 5) * 1000 + 6],
    ['90m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    ['0s', 0],
    [' 30d ', 30 * 86_400_000],
  ];
  for (const [input, ms] of forms) {
    test(`parses ${JSON.stringify(input)}`, () =>
      assert.equal(ok(Duration.parse(input)).toMilliseconds(), ms));
  }

  const forms_ = 'use a number with a unit (ms, s, m, h, d, w) such as 15s, 5m, 2h, 7d or 1h30m';
  const errors: [unknown, string][] = [
    ['5 min', `"5 min" is not a duration: ${forms_}`],
    ['5M', `"5M" is not a duration: ${forms_}`],
    ['1y', `"1y" is not a duration: ${forms_}`],
    ['-5m', `"-5m" is not a duration: ${forms_}`],
    ['1h 30m', `"1h 30m" is not a duration: ${forms_}`],
    ['', `"" is not a duration: ${forms_}`],
    [null, `null is not a duration: ${forms_}`],
    ['30', '"30" has no unit: write 30s for seconds, 30m for minutes or 30h for hours'],
    [30, '"30" has no unit: write 30s for seconds, 30m for minutes or 30h for hours'],
    ['30m1h', '"30m1h" must name each unit once, largest first: write 1h30m'],
    ['1h1h', '"1h1h" must name each unit once, largest first: write 2h'],
    ['500ms1s', '"500ms1s" must name each unit once, largest first: write 1s500ms'],
    ['1.5ms', '"1.5ms" is finer than a millisecond: use whole milliseconds, such as 1ms'],
    ['0.0001s', '"0.0001s" is finer than a millisecond: use whole milliseconds, such as 1ms'],
  ];
  for (const [input, message] of errors) {
    test(`refuses ${JSON.stringify(input)}`, () => assert.equal(refused(Duration.parse(input)), message));
  }

  test('named constructors and conversions', () => {
    assert.equal(Duration.seconds(15).toMilliseconds(), 15_000);
    assert.equal(Duration.minutes(5).toSeconds(), 300);
    assert.equal(Duration.hours(2).toSeconds(), 7200);
    assert.equal(Duration.days(7).toSeconds(), 604_800);
    assert.equal(Duration.milliseconds(500).toSeconds(), 0.5);
    assert.equal(Duration.seconds(10).toNanoseconds(), 10_000_000_000);
    assert.equal(Duration.seconds(0.1).toMilliseconds(), 100);
    assert.throws(() => Duration.milliseconds(0.5), RangeError);
    assert.throws(() => Duration.seconds(-1), RangeError);
    assert.equal(Duration.minutes(1).plus(Duration.seconds(30)).toString(), '1m30s');
    assert.ok(ok(Duration.parse('1w')).equals(Duration.days(7)));
  });

  const strings: [string, string, string, string][] = [
    // input, toString, toPrometheus, toGoDuration
    ['5m', '5m', '5m', '5m'],
    ['1h30m', '1h30m', '1h30m', '1h30m'],
    ['90m', '1h30m', '1h30m', '1h30m'],
    ['30d', '30d', '30d', '720h'],
    ['1w', '7d', '7d', '168h'],
    ['36h', '1d12h', '1d12h', '36h'],
    ['15s', '15s', '15s', '15s'],
    ['500ms', '500ms', '500ms', '500ms'],
    ['1500ms', '1s500ms', '1s500ms', '1s500ms'],
    ['0s', '0s', '0s', '0s'],
  ];
  for (const [input, human, prometheus, go] of strings) {
    test(`${input} is ${human}, ${prometheus} for Prometheus, ${go} for Go`, () => {
      const d = ok(Duration.parse(input));
      assert.equal(d.toString(), human);
      assert.equal(d.toPrometheus(), prometheus);
      assert.equal(d.toGoDuration(), go);
      assert.equal(JSON.stringify(d), `"${human}"`);
    });
  }

  test('a duration is an immutable value', () => {
    const d = ok(Duration.parse('5m'));
    assert.ok(Object.isFrozen(d));
    assert.deepEqual(d, Duration.seconds(300));
    assert.notDeepEqual(d, Duration.seconds(301));
  });

  test('round trip: every form parses back to the same duration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
        const d = Duration.milliseconds(ms);
        assert.ok(ok(Duration.parse(d.toString())).equals(d), d.toString());
        assert.ok(ok(Duration.parse(d.toGoDuration())).equals(d), d.toGoDuration());
        assert.match(d.toPrometheus(), PROMETHEUS_DURATION);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Percent', () => {
  const forms: [unknown, number][] = [
    ['80%', 80],
    ['5%', 5],
    ['99.5%', 99.5],
    ['0%', 0],
    ['100%', 100],
    ['40 %', 40],
    ['.5%', 0.5],
  ];
  for (const [input, value] of forms) {
    test(`parses ${JSON.stringify(input)}`, () => assert.equal(ok(Percent.parse(input)).value, value));
  }

  const forms_ = 'use a number from 0 to 100 followed by %, such as 80% or 99.5%';
  const errors: [unknown, string][] = [
    [80, '"80" has no % sign: write 80%'],
    ['80', '"80" has no % sign: write 80%'],
    ['0.8', '"0.8" has no % sign: write 0.8%'],
    ['120%', `"120%" is more than 100%: ${forms_}`],
    ['-5%', `"-5%" is not a percentage: ${forms_}`],
    ['%', `"%" is not a percentage: ${forms_}`],
    ['eighty%', `"eighty%" is not a percentage: ${forms_}`],
    [undefined, `undefined is not a percentage: ${forms_}`],
  ];
  for (const [input, message] of errors) {
    test(`refuses ${JSON.stringify(input) ?? String(input)}`, () =>
      assert.equal(refused(Percent.parse(input)), message));
  }

  test('value, fraction and text', () => {
    const p = ok(Percent.parse('80%'));
    assert.equal(p.value, 80);
    assert.equal(p.fraction, 0.8);
    assert.equal(ok(Percent.parse('99.5%')).fraction, 0.995);
    assert.equal(ok(Percent.parse('5%')).fraction, 0.05);
    assert.equal(p.toString(), '80%');
    assert.equal(JSON.stringify({ above: p }), '{"above":"80%"}');
  });

  test('named constructors', () => {
    assert.ok(Percent.of(80).equals(ok(Percent.parse('80%'))));
    assert.equal(Percent.fromFraction(0.8).value, 80);
    assert.equal(Percent.fromFraction(0.995).toString(), '99.5%');
    assert.throws(() => Percent.of(101), RangeError);
    assert.throws(() => Percent.of(-1), RangeError);
    assert.throws(() => Percent.fromFraction(Number.NaN), RangeError);
  });

  test('a percentage is an immutable value', () => {
    const p = ok(Percent.parse('80%'));
    assert.ok(Object.isFrozen(p));
    assert.throws(() => {
      (p as { value: number }).value = 90;
    }, TypeError);
    assert.deepEqual(p, Percent.of(80));
  });

  test('round trip: parse(toString()) gives the same value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (tenths) => {
        const p = Percent.of(tenths / 10);
        assert.ok(ok(Percent.parse(p.toString())).equals(p), p.toString());
        assert.ok(Percent.fromFraction(p.fraction).equals(p));
      }),
      { numRuns: 1000 },
    );
  });
});
