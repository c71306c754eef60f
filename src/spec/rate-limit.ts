const UNITS: Record<string, { seconds: number; nginx: 'r/s' | 'r/m' }> = {
  s: { seconds: 1, nginx: 'r/s' },
  sec: { seconds: 1, nginx: 'r/s' },
  second: { seconds: 1, nginx: 'r/s' },
  m: { seconds: 60, nginx: 'r/m' },
  min: { seconds: 60, nginx: 'r/m' },
  minute: { seconds: 60, nginx: 'r/m' },
  h: { seconds: 3600, nginx: 'r/m' },
  hour: { seconds: 3600, nginx: 'r/m' },
};

/** Requests per client IP over a period: `100/min`, `10/s`, `1000/h`. */
export class RateLimit {
  readonly requests: number;
  readonly perSeconds: number;

  private constructor(requests: number, perSeconds: number) {
    this.requests = requests;
    this.perSeconds = perSeconds;
  }

  static parse(input: unknown): { ok: true; value: RateLimit } | { ok: false; message: string } {
    const text = String(input).trim();
    const m = /^(\d+)\s*(?:r|req|requests)?\s*\/\s*([a-z]+)$/.exec(text);
    const unit = m ? UNITS[m[2]!] : undefined;
    if (!m || !unit || Number(m[1]) <= 0) {
      return {
        ok: false,
        message: `"${text}" is not a rate limit: write requests per period such as 100/min, 10/s or 1000/h`,
      };
    }
    return { ok: true, value: new RateLimit(Number(m[1]), unit.seconds) };
  }

  /** nginx's `limit_req_zone` rate: whole requests per second, or per minute when slower. */
  toNginxRate(): string {
    const perSecond = this.requests / this.perSeconds;
    if (Number.isInteger(perSecond)) return `${perSecond}r/s`;
    return `${Math.max(1, Math.round(perSecond * 60))}r/m`;
  }

  toString(): string {
    const unit = this.perSeconds === 1 ? 's' : this.perSeconds === 60 ? 'min' : 'h';
    return `${this.requests}/${unit}`;
  }

  toJSON(): string {
    return this.toString();
  }
}
