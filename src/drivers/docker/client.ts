import { readFileSync } from 'node:fs';
import Docker from 'dockerode';

/**
 * An Engine API client for `server.host`: `local` is `DOCKER_HOST` or /var/run/docker.sock;
 * `ssh://user@host[:port]` reaches a remote engine over SSH (dockerode speaks it through ssh2).
 */
export function dockerFor(
  host: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Docker {
  if (host === 'local') {
    const dh = env.DOCKER_HOST;
    if (dh?.startsWith('unix://')) return new Docker({ socketPath: dh.slice('unix://'.length) });
    if (dh?.startsWith('tcp://')) {
      const u = new URL(dh.replace(/^tcp:/, 'http:'));
      return new Docker({ host: u.hostname, port: Number(u.port || 2375) });
    }
    return new Docker({ socketPath: '/var/run/docker.sock' });
  }
  const u = new URL(host);
  return new Docker({
    protocol: 'ssh',
    host: u.hostname,
    port: Number(u.port || 22),
    username: decodeURIComponent(u.username || 'root'),
    sshOptions: {
      agent: env.SSH_AUTH_SOCK,
      ...(env.STAGECRAFT_SSH_KEY ? { privateKey: readKey(env.STAGECRAFT_SSH_KEY) } : {}),
    },
  } as Docker.DockerOptions);
}

function readKey(path: string): Buffer {
  return readFileSync(path);
}

/** Waits for a streamed Engine API operation (build, import) and fails with its error line. */
export function followStream(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onLine?: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: { error?: string; errorDetail?: { message: string } }[]) => {
        if (err) return reject(err);
        const failed = output.find((o) => o.error || o.errorDetail);
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
        resolve();
      },
      (event: { stream?: string; status?: string }) => {
        const text = (event.stream ?? event.status ?? '').trimEnd();
        if (text && onLine) onLine(text);
      },
    );
  });
}
