import type Docker from 'dockerode';
import { dockerFor } from '../drivers/docker/client.ts';
import { HostKeyRejected } from '../drivers/ssh/index.ts';
import { OperationFailed } from './failure.ts';

/** No engine answers at `server.host`, or its host key was refused; the message says which. */
export class EngineUnreachable extends OperationFailed {}

/** Where `server.host` reaches the engine: `local` is DOCKER_HOST or the default socket. */
export function engineAddress(host: string, env: Readonly<Record<string, string | undefined>>): string {
  return host === 'local' ? (env.DOCKER_HOST ?? 'unix:///var/run/docker.sock') : host;
}

/** The engine named by `server.host`, once it answers a ping. */
export async function connectEngine(
  host: string,
  env: Readonly<Record<string, string | undefined>>,
  hint = '',
): Promise<Docker> {
  const docker = dockerFor(host, env);
  await docker.ping().catch((e: Error) => {
    // A refused host key is not an engine that is down: its message says what to do.
    if (e instanceof HostKeyRejected) throw new EngineUnreachable(e.message);
    throw new EngineUnreachable(
      `no Docker engine answers at ${engineAddress(host, env)}: ${e.message}${hint}`,
    );
  });
  return docker;
}

/** Errors of a connection to the engine that broke or is refused (not an answer of the engine's). */
const CONNECTION_LOST = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Whether `e` says the engine went away (stopped, restarted) rather than refusing a request. */
export function engineLost(e: unknown): boolean {
  const { code, syscall } = (e ?? {}) as { code?: unknown; syscall?: unknown };
  if (typeof code !== 'string') return false;
  // A Unix socket that is gone: the engine stopped and removed it.
  return CONNECTION_LOST.has(code) || (code === 'ENOENT' && syscall === 'connect');
}

/**
 * `e` as the operation's failure when the engine went away during `command`: which engine, and
 * that running the command again once it is back picks up from there. Any other error as it is.
 */
export function lostEngineFailure(
  e: unknown,
  command: string,
  host: string,
  env: Readonly<Record<string, string | undefined>>,
): unknown {
  if (!engineLost(e)) return e;
  return new EngineUnreachable(
    `lost the Docker engine at ${engineAddress(host, env)} during ${command} (${(e as Error).message}). ` +
      `Once it answers again (docker info), run stagecraft ${command} again: it converges from wherever this one stopped`,
  );
}
