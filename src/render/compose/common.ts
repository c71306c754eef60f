import { type Command, LABEL, type LogRotation } from '../../model/index.ts';
import { Cidr, Size } from '../../spec/index.ts';

/** What every container shares: the json-file log, rotated at 10 MiB, three files, tagged by project and service. */
export const LOG_ROTATION: LogRotation = {
  maxSize: Size.mebibytes(10),
  maxFiles: 3,
  labels: [LABEL.project, LABEL.service],
};

/**
 * The spec's `$$` stands for one `$` in commands and environment values: compose files always read
 * it so, and containers have always been given the one `$`.
 */
export function literalDollars<T extends Command>(text: T): T;
export function literalDollars(text: Command): Command {
  const one = (s: string) => s.replace(/\$\$/g, '$');
  return typeof text === 'string' ? one(text) : text.map(one);
}

/** The upper quarter of a network stays for addresses the engine assigns itself (shared containers, probes). */
export function dynamicRange(subnet: string): string {
  const parsed = Cidr.parse(subnet);
  if (!parsed.ok) throw new Error(parsed.message);
  const net = parsed.value;
  return Cidr.of(net.base + (net.size * 3) / 4, net.prefix + 2).toString();
}
