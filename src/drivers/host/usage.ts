import { readFile } from 'node:fs/promises';
import type { Cidr } from '../../spec/index.ts';

/** What the host already uses: the plan's allocation avoids it. */
export interface HostInUse {
  ports: Set<number>;
  subnets: Cidr[];
}

/**
 * Ports something already listens on, so allocation skips them. Read from /proc for the local
 * engine; a remote host is asked by its driver (until then, nothing is assumed taken).
 */
export async function hostUsage(host: string): Promise<HostInUse> {
  if (host !== 'local') return { ports: new Set(), subnets: [] };
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== '0A') continue; // LISTEN
      const port = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
      if (port) ports.add(port);
    }
  }
  return { ports, subnets: [] };
}
