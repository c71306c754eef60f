import { Cidr, type Duration, type Resources } from '../../spec/index.ts';

/** Pieces every compose service shares: limits, logging with rotation, restart policy. */
export function limits(r: Resources): { cpus: number; mem_limit: string } {
  return { cpus: r.cpus.toCores(), mem_limit: r.memory.toDockerString() };
}

export const LOGGING = {
  driver: 'json-file',
  options: { 'max-size': '10m', 'max-file': '3', labels: 'io.stagecraft.project,io.stagecraft.service' },
} as const;

export function healthcheck(
  test: string[],
  h: { interval: Duration; timeout: Duration; retries: number; startPeriod: Duration },
) {
  return {
    test,
    interval: h.interval.toGoDuration(),
    timeout: h.timeout.toGoDuration(),
    retries: h.retries,
    start_period: h.startPeriod.toGoDuration(),
  };
}

/** The upper quarter of a network stays for addresses the engine assigns itself (shared containers, probes). */
export function dynamicRange(subnet: string): string {
  const parsed = Cidr.parse(subnet);
  if (!parsed.ok) throw new Error(parsed.message);
  const net = parsed.value;
  return Cidr.of(net.base + (net.size * 3) / 4, net.prefix + 2).toString();
}
