import type Docker from 'dockerode';
import { dockerFor } from '../drivers/docker/client.ts';
import { HostKeyRejected } from '../drivers/ssh/index.ts';
import { OperationFailed } from './failure.ts';

/** No engine answers at `server.host`, or its host key was refused; the message says which. */
export class EngineUnreachable extends OperationFailed {}

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
    throw new EngineUnreachable(`no Docker engine answers at ${host}: ${e.message}${hint}`);
  });
  return docker;
}
