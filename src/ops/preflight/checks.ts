import { Cidr } from '../../spec/cidr.ts';

/**
 * The decisions of the preflight, on plain lists: what `up` would create against what the engine
 * and the host already hold. Each problem is one line naming the thing and the reason.
 */

export interface WantedNetwork {
  name: string;
  subnet: string;
}

export interface EngineNetwork {
  name: string;
  subnets: string[];
}

/** The spec's subnets that overlap a network of the engine other than the one `up` would create under that name. */
export function networkProblems(
  wanted: readonly WantedNetwork[],
  engine: readonly EngineNetwork[],
): string[] {
  const ours = new Set(wanted.map((w) => w.name));
  const out: string[] = [];
  for (const w of wanted) {
    const mine = Cidr.parse(w.subnet);
    if (!mine.ok) continue;
    for (const n of engine) {
      if (ours.has(n.name)) continue;
      for (const s of n.subnets) {
        const theirs = Cidr.parse(s);
        if (theirs.ok && theirs.value.overlaps(mine.value))
          out.push(
            `network ${w.name}: its subnet ${w.subnet} overlaps the engine's network ${n.name} (${s}); choose another range in network: of the spec, or remove ${n.name}`,
          );
      }
    }
  }
  return out;
}

export interface WantedPort {
  port: number;
  /** The container that would publish it. */
  container: string;
}

/**
 * Host ports `up` would publish that something else holds: a listener on the host or another
 * container's published port, unless it is one of this environment's own containers (which `up`
 * replaces).
 */
export function portProblems(
  wanted: readonly WantedPort[],
  taken: { listening: ReadonlySet<number>; foreign: ReadonlyMap<number, string>; ours: ReadonlySet<number> },
): string[] {
  const out: string[] = [];
  for (const w of wanted) {
    if (taken.ours.has(w.port)) continue;
    const holder = taken.foreign.get(w.port);
    if (holder) out.push(`port ${w.port} (${w.container}): the container ${holder} publishes it already`);
    else if (taken.listening.has(w.port))
      out.push(`port ${w.port} (${w.container}): something on the host listens on it already`);
  }
  return out;
}

/** What became of one image the command needs. */
export type ImageOutcome =
  | { image: string; state: 'present' | 'pulled' | 'built' }
  | { image: string; state: 'failed'; action: 'pull' | 'build'; reason: string; otherTags?: string[] };

/** One line per image that could not be had, naming it, what was tried and why it failed. */
export function imageProblems(outcomes: readonly ImageOutcome[]): string[] {
  const out: string[] = [];
  for (const o of outcomes) {
    if (o.state !== 'failed') continue;
    let line = `image ${o.image}: the ${o.action} failed: ${o.reason}`;
    if (o.otherTags) {
      line +=
        o.otherTags.length > 0
          ? ` (the reference names no tag, so it means :latest, which the engine does not have; it has ${o.otherTags.join(', ')})`
          : ' (the reference names no tag, so it means :latest; the engine has no tag of that repository)';
    }
    out.push(line);
  }
  return out;
}
