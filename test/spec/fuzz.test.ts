import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { planEnvironment } from '../../src/plan/index.ts';
import { renderServerLayout } from '../../src/render/index.ts';
import {
  CODES,
  type Diagnostic,
  formatDiagnostic,
  hasControl,
  hasErrors,
  loadSpecText,
  place,
  SERVICE_TYPES,
} from '../../src/spec/index.ts';

/**
 * Specs generated from the schema's shape, with values from each hostile class (control
 * characters, shell and nginx metacharacters, `${…}` forms, paths, huge and non-finite numbers,
 * long text) and raw YAML attacks spliced into the text (aliases, merge keys, tabs, truncation).
 * Whatever comes in, load + validate + plan + render returns diagnostics or artifacts, never
 * throws, stays within a time bound, and never prints a raw control character.
 *
 * Fixed seed and a bounded number of cases, so it runs in CI in seconds; FUZZ_RUNS=5000 (and
 * FUZZ_SEED) for a longer run.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const BOUND_MS = Number(process.env.FUZZ_BOUND_MS ?? 3000);

const hostileText = fc.oneof(
  fc.constantFrom(
    '\x1b[2J\x1b]0;owned\x07',
    'a\x00b',
    'line\nbreak',
    '\r\n',
    '\u202eevil',
    '${',
    '${UNSET}',
    '${A:-${B:-x}}',
    '${A:-${B}',
    '$${LITERAL}',
    '${1BAD}',
    '${A:?x}',
    '$(touch /tmp/pwned)',
    '`id`',
    "'; rm -rf / #",
    '" onerror="x',
    '{ return 200; }',
    '../../etc/passwd',
    '/etc',
    '/a/../b',
    '-oProxyCommand=id',
    '.nan',
    '',
    ' ',
    'x'.repeat(40_000),
    'é\u0301',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1e21, Number.NaN, Number.POSITIVE_INFINITY, 0.5, 2 ** 53, 65536),
  fc.integer({ min: -10, max: 70_000 }),
  fc.double(),
);

const hostile = fc.oneof(
  hostileText,
  hostileNumber,
  fc.constantFrom(null, true, [], {}, '0s', '1000000d', '1/h', '10.0.0.0/32', '61 * * * *', 'postgress'),
);

/** Free text the spec may hold as it is (env values, commands): it must come out quoted, not refused. */
const freeText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '\x1b[31mred\x1b[0m',
    'a\tb',
    'two\nlines',
    '$(touch /tmp/pwned)',
    '`id`',
    "it's",
    '"q"',
    '$HOME',
    '$$',
    '100%',
    '\u202eevil',
    'é',
  ),
);

const names = ['web', 'api', 'db', 'cache', 'queue', 'jobs', 'nightly'] as const;

/** A valid service of each type, with the fields that type takes. */
const service = (type: (typeof SERVICE_TYPES)[number]) => {
  const image = fc.constantFrom('shop:1', 'ghcr.io/a/b:2', `registry:5000/x/y@sha256:${'a'.repeat(64)}`);
  const common = {
    env: fc.option(fc.dictionary(fc.constantFrom('DEBUG', 'URL', 'MODE', 'X_1'), freeText, { maxKeys: 3 }), {
      nil: undefined,
    }),
    volumes: fc.option(
      fc.dictionary(fc.constantFrom('media', 'data'), fc.constantFrom('/app/media', '/srv/data'), {
        maxKeys: 2,
      }),
      { nil: undefined },
    ),
    labels: fc.option(fc.dictionary(fc.constantFrom('team', 'tier'), freeText, { maxKeys: 2 }), {
      nil: undefined,
    }),
  };
  switch (type) {
    case 'app':
      return fc.record({
        type: fc.constant(type),
        image,
        replicas: fc.integer({ min: 0, max: 3 }),
        command: fc.option(fc.oneof(freeText, fc.array(freeText, { minLength: 1, maxLength: 3 })), {
          nil: undefined,
        }),
        release: fc.option(
          freeText.filter((t) => t.length > 0),
          { nil: undefined },
        ),
        health: fc.record({
          path: fc.constantFrom('/health', '/healthz', '/api/ping'),
          interval: fc.constantFrom('1s', '10s', '1h'),
        }),
        ...common,
      });
    case 'worker':
      return fc.record({
        type: fc.constant(type),
        image,
        command: fc.option(
          freeText.filter((t) => t.length > 0),
          { nil: undefined },
        ),
        ...common,
      });
    case 'cron':
      return fc.record({
        type: fc.constant(type),
        image,
        command: freeText.filter((t) => t.length > 0),
        schedule: fc.constantFrom('0 2 * * *', '*/5 * * * *', '30 4 1 * *'),
        ...common,
      });
    case 'postgres':
      return fc.record({
        type: fc.constant(type),
        version: fc.constantFrom('15', 16, '16.2'),
        backup: fc.option(fc.record({ schedule: fc.constantFrom('0 2 * * *') }), { nil: undefined }),
        ...common,
      });
    default:
      return fc.record({ type: fc.constant(type), ...common });
  }
};

/** A project's services, apps and workers using every data service of the project. */
const project = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...SERVICE_TYPES)), {
    minLength: 1,
    maxLength: 4,
    selector: ([name]) => name,
  })
  .chain((entries) =>
    fc.tuple(...entries.map(([name, type]) => service(type).map((s) => [name, s] as const))),
  )
  .map((entries) => {
    const services: Record<string, Record<string, unknown>> = Object.fromEntries(entries);
    const data = Object.keys(services).filter((n) =>
      ['postgres', 'redis', 'rabbitmq'].includes(services[n]!.type as string),
    );
    for (const s of Object.values(services)) if (s.type === 'app' || s.type === 'worker') s.uses = data;
    // One app takes the domain's root; the others get a path of their own.
    Object.entries(services)
      .filter(([, s]) => s.type === 'app')
      .forEach(([name, s], i) => {
        if (i > 0) s.routes = [{ path: `/${name}` }];
      });
    return { services };
  });

const validSpec = fc.record({
  version: fc.constant(1),
  server: fc.record({
    domain: fc.constantFrom('example.test', 'staging.example.com'),
    capacity: fc.record({ cpus: fc.constantFrom(64, '128'), memory: fc.constantFrom('256GiB', '512G') }),
    backupDir: fc.constantFrom('/opt/backups', '/srv/backups'),
    host: fc.constantFrom('local', 'ssh://deploy@staging.example.com', 'ssh://u@10.0.0.5:2222'),
    listen: fc.constantFrom({ http: 80, https: 443 }, { http: 9080, https: 9443 }),
  }),
  network: fc.constantFrom({}, { shared: '172.19.0.0/28', projects: '10.8.0.0/16', projectSize: 24 }),
  shared: fc.record({
    proxy: fc.record({
      rateLimit: fc.constantFrom('100/min', '60/h', '10/s'),
      burst: fc.integer({ min: 0, max: 50 }),
    }),
    monitoring: fc.record({ prometheus: fc.record({ retention: fc.constantFrom('1h', '15d', '3660d') }) }),
  }),
  projects: fc.dictionary(fc.constantFrom('shop', 'blog', 'wiki'), project, { minKeys: 1, maxKeys: 3 }),
});

/** Every path in a value, collections included, so a mutation can replace any part of the spec. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value))
      pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

/** Sets the `n`-th path to `replacement`, or renames its key to it when `asKey`. */
function mutate(spec: Record<string, unknown>, n: number, replacement: unknown, asKey: boolean): void {
  const paths = pathsOf(spec).slice(1);
  const path = paths[n % paths.length]!;
  let parent: Record<string | number, unknown> = spec;
  for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (asKey && !Array.isArray(parent) && typeof replacement === 'string') {
    parent[replacement] = parent[last];
    delete parent[last];
  } else parent[last] = replacement;
}

const specObject = fc
  .tuple(
    validSpec,
    fc.oneof(
      fc.constant([]),
      fc.array(fc.tuple(fc.nat(), hostile, fc.boolean()), { minLength: 1, maxLength: 3 }),
    ),
  )
  .map(([spec, mutations]) => {
    const copy = structuredClone(spec) as Record<string, unknown>;
    for (const [n, replacement, asKey] of mutations) mutate(copy, n, replacement, asKey);
    return copy;
  });

/** Raw attacks on the text itself, for what the YAML model cannot express. */
const splice = fc.oneof(
  { arbitrary: fc.constant((t: string) => t), weight: 12 },
  fc.constant(
    (t: string) =>
      `${t}x-bomb:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n  f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n`,
  ),
  fc.constant((t: string) => `${t}x: *missing\n`),
  fc.constant((t: string) => `${t}x: &self { a: *self }\n`),
  fc.constant((t: string) => `${t}x:\n  <<: 5\n`),
  fc.constant((t: string) => `${t}? [a, b]\n: c\n`),
  fc.constant((t: string) => t.replace(/\n {2}/, '\n\t')),
  fc.constant((t: string) => `${t}${t.split('\n')[0]}\n`),
  fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))),
  fc.tuple(fc.nat(), hostileText).map(([n, s]) => (t: string) => {
    const at = n % (t.length + 1);
    return t.slice(0, at) + s + t.slice(at);
  }),
);

const input = fc.record({
  spec: specObject,
  splice,
  env: fc.constantFrom<Record<string, string>>(
    {},
    { PROJECT: 'shop', A: 'a' },
    { PROJECT: 'blog', UNSET: '\x1b[31m' },
  ),
});

/** Where a control character other than tab and line ends is, or -1. */
function rawControlAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return i;
  }
  return -1;
}

/** Everything the run would show or write: formatted diagnostics, and every rendered file. */
function run(
  text: string,
  env: Record<string, string>,
): { shown: string[]; written: string[]; diagnostics: Diagnostic[] } {
  const loaded = loadSpecText('fuzz.yaml', text, env);
  if (!loaded.spec) {
    assert.ok(hasErrors(loaded.diagnostics), 'no spec, so there must be an error');
    return { shown: loaded.diagnostics.map(formatDiagnostic), written: [], diagnostics: loaded.diagnostics };
  }
  const plan = planEnvironment(loaded.spec);
  const diagnostics = place([...loaded.diagnostics, ...plan.diagnostics], loaded.source);
  const shown = diagnostics.map(formatDiagnostic);
  if (hasErrors(diagnostics)) return { shown, written: [], diagnostics };
  const written = renderServerLayout({ spec: loaded.spec, plan }).map((a) => a.content);
  return { shown, written, diagnostics };
}

describe('fuzzing load + validate + plan + render with hostile specs', () => {
  it(`${RUNS} generated specs (seed ${SEED}): diagnostics or artifacts, never a throw, a hang or a raw control character`, (t) => {
    let slowest = { ms: 0, text: '' };
    let total = 0;
    let valid = 0;
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(input, ({ spec, splice, env }) => {
        const text = splice(stringify(spec, { aliasDuplicateObjects: false }));
        const start = performance.now();
        const r = run(text, env);
        const ms = performance.now() - start;
        total += ms;
        if (ms > slowest.ms) slowest = { ms, text };
        if (r.written.length > 0) valid++;
        for (const d of r.diagnostics) {
          assert.ok(d.code in CODES, d.code);
          assert.ok(d.file && d.line && d.column, `${d.code} is placed`);
          seen.set(d.code, (seen.get(d.code) ?? 0) + 1);
        }
        assert.ok(ms < BOUND_MS, `${ms.toFixed(0)} ms for:\n${text.slice(0, 2000)}`);
        for (const line of r.shown)
          assert.equal(hasControl(line.replace(/\n/g, ' ')), false, JSON.stringify(line));
        for (const file of r.written) {
          const at = rawControlAt(file);
          assert.equal(
            at,
            -1,
            `a raw control character in a rendered file: ${JSON.stringify(file.slice(at - 40, at + 40))}`,
          );
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    t.diagnostic(
      `cases ${RUNS}, valid ${valid}, total ${total.toFixed(0)} ms, slowest ${slowest.ms.toFixed(0)} ms (${slowest.text.length} characters), codes seen ${seen.size}: ${[...seen.keys()].sort().join(' ')}`,
    );
  });
});
