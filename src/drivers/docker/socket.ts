import { LABEL } from '../../model/index.ts';
import { httpGet } from '../http-get.ts';
import { type Owned, toOwned } from './owned.ts';

/**
 * The environment's containers through one plain HTTP request on the local engine's socket,
 * without loading the full client (dockerode with its SSH and gRPC stacks takes longer to load
 * than a no-op `up` may take in all). Undefined when the engine is not a local socket.
 */
export async function listOwnedOnSocket(
  host: string,
  env: Readonly<Record<string, string | undefined>>,
  environment: string,
): Promise<Owned[] | undefined> {
  if (host !== 'local') return undefined;
  const dh = env.DOCKER_HOST;
  const socketPath = dh
    ? dh.startsWith('unix://')
      ? dh.slice('unix://'.length)
      : undefined
    : '/var/run/docker.sock';
  if (!socketPath) return undefined;
  const filters = encodeURIComponent(JSON.stringify({ label: [`${LABEL.environment}=${environment}`] }));
  const answer = await httpGet({ path: socketPath }, `/containers/json?all=1&filters=${filters}`, {
    timeoutMs: 5000,
  });
  if (answer.status !== 200) return undefined;
  try {
    return (JSON.parse(answer.body) as Parameters<typeof toOwned>[0][]).map(toOwned);
  } catch {
    return undefined;
  }
}
