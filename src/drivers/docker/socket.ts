import { request } from 'node:http';
import { LABEL } from '../../render/index.ts';
import { type Owned, toOwned } from './engine.ts';

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
  const body = await new Promise<string | undefined>((resolve) => {
    const req = request(
      { socketPath, path: `/containers/json?all=1&filters=${filters}`, timeout: 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(res.statusCode === 200 ? text : undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
  return body === undefined ? undefined : (JSON.parse(body) as Parameters<typeof toOwned>[0][]).map(toOwned);
}
