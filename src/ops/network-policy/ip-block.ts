import type { IPBlock } from './types.ts';

/** `true`, `false`, or `unknown` when it depends on an address nobody knows yet. */
export type Truth = boolean | 'unknown';

interface Range {
  first: number;
  last: number;
}

/**
 * IPv4 only: an IPv6 block never matches an IPv4 address. Host bits in a CIDR are ignored, as the
 * API server does (`10.1.2.3/8` is `10.0.0.0/8`).
 */
function parseAddress(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

function parseRange(cidr: string): Range | undefined {
  const [address, prefixText] = cidr.split('/');
  const base = parseAddress(address ?? '');
  const prefix = Number(prefixText);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const first = Math.floor(base / size) * size;
  return { first, last: first + size - 1 };
}

const inside = (a: Range, b: Range) => a.first >= b.first && a.last <= b.last;
const overlaps = (a: Range, b: Range) => a.first <= b.last && b.first <= a.last;

export function ipBlockMatchesAddress(block: IPBlock, ip: string): boolean {
  const address = parseAddress(ip);
  const range = parseRange(block.cidr);
  if (address === undefined || !range) return false;
  const at = { first: address, last: address };
  return (
    inside(at, range) &&
    !(block.except ?? []).some((e) => {
      const r = parseRange(e);
      return r !== undefined && inside(at, r);
    })
  );
}

/**
 * An ipBlock against a pod whose address is unknown but lies in one of `podCidrs`: it matches when
 * the block covers the whole pod network and no exception cuts into it, misses when the pod network
 * lies wholly outside the block (or inside one exception), and is unknown otherwise.
 */
export function ipBlockMatchesPodNetwork(block: IPBlock, podCidrs: readonly string[]): Truth {
  const range = parseRange(block.cidr);
  if (!range) return false;
  const pods = podCidrs.map(parseRange).filter((r): r is Range => r !== undefined);
  const excepts = (block.except ?? []).map(parseRange).filter((r): r is Range => r !== undefined);
  if (pods.every((p) => !overlaps(p, range) || excepts.some((e) => inside(p, e)))) return false;
  if (pods.every((p) => inside(p, range) && !excepts.some((e) => overlaps(p, e)))) return true;
  return 'unknown';
}
