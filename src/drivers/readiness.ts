import { LABEL, parseProbe, type ReadinessProbe } from '../model/index.ts';
import type { Owned } from './docker/owned.ts';
import { httpGet } from './http-get.ts';
import { exchange } from './tcp-exchange.ts';

/**
 * Whether the service at `address` answers its probe as a ready one does: an HTTP status under
 * 400; PostgreSQL asking for authentication (or refusing for any reason but "starting up", as
 * `pg_isready` counts it); Redis answering PING (or asking for its password) but not "loading";
 * RabbitMQ opening the AMQP handshake. Nothing, a reset or a timeout is not ready.
 */
export async function probeReady(probe: ReadinessProbe, address: string, timeoutMs = 1000): Promise<boolean> {
  const target = { host: address, port: probe.port };
  switch (probe.kind) {
    case 'http': {
      const { status } = await httpGet(target, probe.path, { timeoutMs });
      return status >= 200 && status < 400;
    }
    case 'postgres':
      return ask(target, startupMessage(probe.user, probe.database), postgresVerdict, timeoutMs);
    case 'redis':
      return ask(target, Buffer.from('PING\r\n'), redisVerdict, timeoutMs);
    case 'amqp':
      // The protocol header: a ready broker answers with the Connection.Start method frame (type 1).
      return ask(target, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'), (d) => d[0] === 1, timeoutMs);
  }
}

/** An answer `verdict` decides on; not ready if the service ends the connection first. */
function ask(
  target: { host: string; port: number },
  request: Buffer,
  verdict: (data: Buffer) => boolean | undefined,
  timeoutMs: number,
): Promise<boolean> {
  return exchange(target, request, (data, ended) => (ended ? false : verdict(data)), false, timeoutMs);
}

/** PostgreSQL's StartupMessage, protocol 3.0: what `pg_isready` sends. */
function startupMessage(user: string, database: string): Buffer {
  const body = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(3 << 16, 4);
  return Buffer.concat([head, body]);
}

/** 'R' (an authentication request) is ready; 'E' is ready unless its SQLSTATE is 57P03 (cannot connect now). */
function postgresVerdict(data: Buffer): boolean | undefined {
  if (data[0] === 0x52) return true;
  if (data[0] !== 0x45) return false;
  if (data.length < 5 || data.length < 1 + data.readInt32BE(1)) return undefined;
  const code = /\0C([0-9A-Z]{5})\0/.exec(`\0${data.subarray(5, 1 + data.readInt32BE(1)).toString('latin1')}`);
  return code?.[1] !== '57P03';
}

function redisVerdict(data: Buffer): boolean | undefined {
  const line = data.toString('latin1');
  if (!line.includes('\r\n')) return undefined;
  return line.startsWith('+PONG') || line.startsWith('-NOAUTH');
}

/**
 * The containers the engine still calls `starting` (its first check has not run yet) whose
 * service already answers its probe: `up` counts them as healthy. Only on a local engine, where
 * container addresses are reachable from here.
 */
export async function readyWhileStarting(containers: readonly Owned[]): Promise<Set<string>> {
  const starting = containers.flatMap((c) => {
    const probe = parseProbe(c.labels[LABEL.probe]);
    return c.health === 'starting' && probe && c.address ? [{ ...c, probe, address: c.address }] : [];
  });
  const answers = await Promise.all(starting.map((c) => probeReady(c.probe, c.address)));
  return new Set(starting.filter((_, i) => answers[i]).map((c) => c.name));
}
