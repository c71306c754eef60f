import type { Container, Stack } from '../model/index.ts';
import { Cpus, Duration, Size } from '../spec/index.ts';

/**
 * A stack as a release records it: JSON, so durations, sizes and CPU amounts are their spec
 * strings (`10s`, `128MiB`, `0.5`), which parse back to the same values.
 */
type Recorded<T> = T extends Duration | Size | Cpus
  ? string
  : T extends string | number | boolean
    ? T
    : T extends readonly (infer U)[]
      ? readonly Recorded<U>[]
      : { [K in keyof T]: Recorded<T[K]> };

/**
 * The stack a release recorded; undefined for a record this version cannot read (a compose
 * document, as releases before the typed model recorded), which rollback then passes over.
 */
export function recordedStack(config: unknown): Stack | undefined {
  const r = config as Recorded<Stack> | null;
  if (!r || typeof r !== 'object' || !Array.isArray(r.containers) || !Array.isArray(r.networks))
    return undefined;
  try {
    return { ...r, containers: r.containers.map(container) };
  } catch {
    return undefined;
  }
}

/** The container with its values parsed back, each key where it was (so the record's JSON is the same again). */
function container(c: Recorded<Container>): Container {
  const out: Record<string, unknown> = { ...c, logging: { ...c.logging, maxSize: size(c.logging.maxSize) } };
  if (c.resources) out.resources = { cpus: cpus(c.resources.cpus), memory: size(c.resources.memory) };
  if (c.healthcheck)
    out.healthcheck = {
      ...c.healthcheck,
      interval: duration(c.healthcheck.interval),
      timeout: duration(c.healthcheck.timeout),
      startPeriod: duration(c.healthcheck.startPeriod),
    };
  if (c.stopGracePeriod) out.stopGracePeriod = duration(c.stopGracePeriod);
  if (c.shmSize) out.shmSize = size(c.shmSize);
  // Every field of a recorded container that is not a string in JSON was made one again above.
  return out as unknown as Container;
}

function parsed<T>(r: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(r.message);
  return r.value;
}
const duration = (text: string) => parsed(Duration.parse(text));
const size = (text: string) => parsed(Size.parse(text));
const cpus = (text: string) => parsed(Cpus.parse(text));
