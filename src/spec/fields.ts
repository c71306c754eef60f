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
export const duration = () =>
  parsedValue(Duration.parse, 'a duration such as 15s, 5m, 2h or 7d', ['15s', '5m']);
export const percent = () => parsedValue(Percent.parse, 'a percentage such as 80%', ['80%']);
export const cidr = () => parsedValue(Cidr.parse, 'an IPv4 network such as 172.20.0.0/14', ['172.20.0.0/14']);
export const rateLimit = () =>
  parsedValue(RateLimit.parse, 'requests per client IP, such as 100/min, 10/s or 1000/h', ['100/min']);

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
  z.string().regex(SECRET_NAME, {
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
