import { z } from 'zod';
import { Cidr } from './cidr.ts';
import { parseCron } from './cron.ts';
import { RateLimit } from './rate-limit.ts';
import { Cpus, Duration, Percent, Size } from './units.ts';

/**
 * The zod building blocks of the schema: strict objects that suggest the nearest key, and
 * fields that parse text into value types so nothing downstream sees the string again.
 */

type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

function parsedValue<T>(parse: (input: unknown) => ParseResult<T>, description: string, examples: unknown[]) {
  return z
    .union([z.string(), z.number()])
    .transform((input, ctx) => {
      const r = parse(input);
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.message, input });
      return z.NEVER;
    })
    .meta({ description, examples });
}

export const size = () =>
  parsedValue(Size.parse, 'a size such as 512MiB, 1GiB, 1.5GB or 10Gi', ['512MiB', '1GiB']);
export const cpus = () => parsedValue(Cpus.parse, 'CPUs such as 0.5, 500m or 2', [0.5, '500m']);
/**
 * A duration, within bounds when given (`{ min: '1s', max: '1h' }`): a health interval of 0s or
 * a retention of a million days validates as a duration but breaks the engine or Prometheus.
 */
export const duration = (bounds?: { min: string; max: string }) => {
  const field = parsedValue(Duration.parse, 'a duration such as 15s, 5m, 2h or 7d', ['15s', '5m']);
  if (!bounds) return field;
  const min = mustParse(Duration.parse(bounds.min));
  const max = mustParse(Duration.parse(bounds.max));
  return field.superRefine((d, ctx) => {
    const ms = d.toMilliseconds();
    if (ms >= min.toMilliseconds() && ms <= max.toMilliseconds()) return;
    const problem =
      ms === 0 ? 'zero' : ms < min.toMilliseconds() ? `shorter than ${min}` : `longer than ${max}`;
    ctx.addIssue({
      code: 'custom',
      message: problem,
      input: d.toString(),
      params: {
        code: 'SC0309',
        values: { value: d.toString(), problem, min: min.toString(), max: max.toString() },
      },
    });
  });
};

function mustParse<T>(r: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(`bad built-in bound: ${r.message}`);
  return r.value;
}
export const percent = () => parsedValue(Percent.parse, 'a percentage such as 80%', ['80%']);
export const cidr = () => parsedValue(Cidr.parse, 'an IPv4 network such as 172.20.0.0/14', ['172.20.0.0/14']);
/** nginx's `limit_req` counts whole requests per second or per minute, up to this many a second. */
const MAX_RATE_PER_SECOND = 1_000_000;

export const rateLimit = () =>
  parsedValue(RateLimit.parse, 'requests per client IP, such as 100/min, 10/s or 1000/h', [
    '100/min',
  ]).superRefine((r, ctx) => {
    const perSecond = r.requests / r.perSeconds;
    if (perSecond * 60 >= 1 && perSecond <= MAX_RATE_PER_SECOND) return;
    const problem = perSecond * 60 < 1 ? 'slower than 1 request a minute' : 'faster than 1,000,000 a second';
    ctx.addIssue({
      code: 'custom',
      message: problem,
      input: r.toString(),
      params: { code: 'SC0310', values: { value: r.toString(), problem } },
    });
  });

export const cron = () =>
  z
    .string()
    .transform((input, ctx) => {
      const r = parseCron(input);
      if (r.ok) return r.cron;
      ctx.addIssue({ code: 'custom', message: r.message, input });
      return z.NEVER;
    })
    .meta({
      description: 'a cron schedule: minute hour day-of-month month day-of-week',
      examples: ['0 2 * * *'],
    });

export const port = () => z.int().min(1).max(65535);

const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function isDnsLabel(name: string): boolean {
  return DNS_LABEL.test(name);
}

export const hostname = () =>
  z.string().refine((s) => DNS_NAME.test(s) && s.length <= 253, {
    error: (iss) => `"${iss.input}" is not a valid host name: use lowercase letters, digits, - and dots`,
  });

export const secretName = () =>
  z
    .string()
    .max(128)
    .regex(SECRET_NAME, {
      error: (iss) =>
        `"${iss.input}" is not a valid secret name: use capitals, digits and _ (such as DJANGO_SECRET_KEY)`,
    });

/** `{ secret: NAME }`; a plain string here is a secret value written inline, which is refused. */
export const secretRef = () =>
  z.preprocess(
    (input, ctx) => {
      if (typeof input === 'string' || typeof input === 'number') {
        ctx.addIssue({
          code: 'custom',
          message: 'a secret value is written inline; secrets never go in the spec',
          params: { code: 'SC0606' },
          input: '[redacted]',
        });
        return z.NEVER;
      }
      return input;
    },
    strict({ secret: secretName() }),
  );

/**
 * A strict object: unknown keys are errors (typos must not pass silently). The message carries one
 * line per unknown key so the loader can point at each key and suggest the nearest valid one.
 */
export function strict<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code !== 'unrecognized_keys') return undefined;
      return iss.keys.map((k) => unknownKeyMessage(k, known)).join('\n');
    },
  });
}

export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = nearest(key, known);
  const list = known.length <= 12 ? `; valid keys: ${known.join(', ')}` : '';
  return near ? `unknown key "${key}": did you mean "${near}"?` : `unknown key "${key}"${list}`;
}

export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * Values that name things (paths, volume names, image references) reach shells, nginx and compose
 * files; outside a safe alphabet they are refused where they stand (SC0308) rather than quoted in
 * every place they land.
 */
function safeText(what: string, alphabet: string, valid: (s: string) => boolean, max = 255) {
  return z.string().superRefine((s, ctx) => {
    if (s.length <= max && valid(s)) return;
    const value = s.length > 60 ? `${s.slice(0, 60)}…` : s;
    ctx.addIssue({
      code: 'custom',
      message: `${what} "${value}" may only hold ${alphabet}`,
      input: value,
      params: { code: 'SC0308', values: { what, value, alphabet } },
    });
  });
}

const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]*$/;
const RELATIVE_PATH = /^[A-Za-z0-9._/-]+$/;
const URL_PATH = /^\/[A-Za-z0-9._~%/+,:@=-]*$/;
const noDotDot = (s: string) => !s.split('/').includes('..');

/** A path on the server, such as `/opt/backups` or a volume's mount point. */
export const absolutePath = () =>
  safeText(
    'the path',
    'an absolute path of letters, digits and . _ - / (no ..)',
    (s) => ABSOLUTE_PATH.test(s) && noDotDot(s),
    1024,
  );

/** A path beside the spec (a build context or Dockerfile). */
export const relativePath = () =>
  safeText('the path', 'letters, digits and . _ - /', (s) => RELATIVE_PATH.test(s), 1024);

/** The path part of a URL: a route, a health check, the metrics endpoint. */
export const urlPath = () =>
  safeText(
    'the URL path',
    'a path starting with / of letters, digits and . _ ~ % / + , : @ = -',
    (s) => URL_PATH.test(s),
    1024,
  );

/** A volume's name: it becomes part of an engine volume's name, never a host path. */
export const volumeName = () =>
  safeText('the volume name', 'lowercase letters, digits and _ . -, starting with a letter or digit', (s) =>
    /^[a-z0-9][a-z0-9_.-]{0,62}$/.test(s),
  );

/** A Docker image reference: `[registry[:port]/]name[/name…][:tag][@sha256:digest]`. */
const IMAGE_REF =
  /^(?:[A-Za-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const imageRef = () =>
  safeText(
    'the image reference',
    'lowercase names, / and one :tag, such as registry.example.com/shop/web:1.4',
    (s) => IMAGE_REF.test(s),
  );

/** An image tag, such as a data service's `version`. */
export const imageTag = () =>
  z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(
      safeText('the version', 'letters, digits and . _ -', (s) =>
        /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(s),
      ),
    );

/** A name used in URLs and configuration (a RabbitMQ vhost, an S3 region, a label key). */
export const plainName = (what: string) =>
  safeText(what, 'letters, digits and . _ - /', (s) => /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s), 128);
