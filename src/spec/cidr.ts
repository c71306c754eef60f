/** An IPv4 network, parsed once: `172.20.0.0/14`. Addresses are unsigned 32-bit integers. */
export class Cidr {
  readonly base: number;
  readonly prefix: number;

  private constructor(base: number, prefix: number) {
    this.base = base;
    this.prefix = prefix;
  }

  static of(base: number, prefix: number): Cidr {
    return new Cidr((base & maskOf(prefix)) >>> 0, prefix);
  }

  static parse(input: unknown): { ok: true; value: Cidr } | { ok: false; message: string } {
    const text = String(input).trim();
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    const bad = {
      ok: false as const,
      message: `"${text}" is not an IPv4 network: write it as 172.20.0.0/14`,
    };
    if (!m) return bad;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return bad;
    const base = ipToNumber(octets);
    if ((base & maskOf(prefix)) >>> 0 !== base) {
      const fixed = numberToIp((base & maskOf(prefix)) >>> 0);
      return { ok: false, message: `"${text}" has host bits set: the network is ${fixed}/${prefix}` };
    }
    return { ok: true, value: new Cidr(base, prefix) };
  }

  get size(): number {
    return 2 ** (32 - this.prefix);
  }

  get last(): number {
    return this.base + this.size - 1;
  }

  contains(other: Cidr): boolean {
    return other.base >= this.base && other.last <= this.last;
  }

  overlaps(other: Cidr): boolean {
    return this.base <= other.last && other.base <= this.last;
  }

  /** The `index`-th address of the network (0 is the network address itself). */
  address(index: number): string {
    return numberToIp(this.base + index);
  }

  toString(): string {
    return `${numberToIp(this.base)}/${this.prefix}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function ipToNumber(octets: number[]): number {
  return ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
