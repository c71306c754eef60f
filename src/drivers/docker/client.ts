import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { type HostKeyRejected, hostKeyAlgorithms, hostKeyPolicy, verifyHostKey } from '../ssh/index.ts';

/**
 * An Engine API client for `server.host`: `local` is `DOCKER_HOST` or /var/run/docker.sock;
 * `ssh://user@host[:port]` reaches a remote engine over SSH (dockerode speaks it through ssh2),
 * after checking the server's host key against known_hosts (`STAGECRAFT_KNOWN_HOSTS`, else
 * ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts), as `ssh -o StrictHostKeyChecking=yes` does.
 */
/**
 * dockerode, loaded on first use: with its SSH and gRPC stacks it takes longer to load than a
 * no-op `up` may take in all, and commands that never reach the engine should not pay for it.
 */
function engineClient(): typeof Docker {
  const require = createRequire(import.meta.url);
  deferModule(require, require.resolve('dockerode/lib/session.js'));
  deferModule(require, require.resolve('docker-modem/lib/ssh.js'));
  return require('dockerode') as typeof Docker;
}

/**
 * Puts a stand-in for a module that exports one function into the require cache, loading the real
 * module on its first call. dockerode requires gRPC and protobufjs (BuildKit sessions, which we
 * never open) and docker-modem requires ssh2 (only for `ssh://` hosts) at load time: about 130
 * files and 10 MiB that `serve` would keep resident for nothing.
 */
function deferModule(require: NodeJS.Require, path: string): void {
  if (require.cache[path]) return;
  let real: ((...args: unknown[]) => unknown) | undefined;
  const stub = (...args: unknown[]): unknown => {
    if (!real) {
      delete require.cache[path];
      real = require(path) as (...args: unknown[]) => unknown;
    }
    return real(...args);
  };
  require.cache[path] = { id: path, filename: path, loaded: true, exports: stub } as unknown as NodeJS.Module;
}

/** Whether the client talks to an engine on this machine (its Unix socket): then container addresses are reachable from here. */
export function isLocalEngine(docker: Docker): boolean {
  return Boolean((docker.modem as { socketPath?: string }).socketPath);
}

export function dockerFor(
  host: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  notices: { onHostKeyAdded?: (message: string) => void } = {},
): Docker {
  if (host === 'local') {
    const dh = env.DOCKER_HOST;
    if (dh?.startsWith('unix://')) return new (engineClient())({ socketPath: dh.slice('unix://'.length) });
    if (dh?.startsWith('tcp://')) {
      const u = new URL(dh.replace(/^tcp:/, 'http:'));
      return new (engineClient())({ host: u.hostname, port: Number(u.port || 2375) });
    }
    return new (engineClient())({ socketPath: '/var/run/docker.sock' });
  }
  const u = new URL(host);
  const hostname = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(u.port || 22);
  const policy = hostKeyPolicy(env);
  const onAdded = notices.onHostKeyAdded ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  // ssh2 reports a refused host key as a bare "Host denied (verification failed)"; the verifier
  // keeps the reason so the request fails with it instead.
  let rejected: HostKeyRejected | undefined;
  const docker = new (engineClient())({
    protocol: 'ssh',
    host: hostname,
    port,
    username: decodeURIComponent(u.username || 'root'),
    sshOptions: {
      agent: env.SSH_AUTH_SOCK,
      ...(env.STAGECRAFT_SSH_KEY ? { privateKey: readKey(env.STAGECRAFT_SSH_KEY) } : {}),
      algorithms: { serverHostKey: hostKeyAlgorithms(hostname, port, policy) },
      hostVerifier: (key: Buffer): boolean => {
        const decision = verifyHostKey(hostname, port, key, policy);
        if (!decision.accept) {
          rejected = decision.error;
          return false;
        }
        rejected = undefined;
        if (decision.added) onAdded(decision.added);
        return true;
      },
    },
  } as Docker.DockerOptions);
  const dial = docker.modem.dial.bind(docker.modem);
  docker.modem.dial = (...[options, callback]: Parameters<typeof dial>) =>
    dial(options, (err, data) =>
      callback?.(rejected && err instanceof Error && /host denied/i.test(err.message) ? rejected : err, data),
    );
  return docker;
}

function readKey(path: string): Buffer {
  return readFileSync(path);
}

/** One event of a streamed Engine API operation (a build's output line, a pull's layer progress). */
export interface StreamEvent {
  id?: string;
  stream?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
}

/**
 * Waits for a streamed Engine API operation (build, import, pull, push) and fails with its error
 * line; `onLine` gets each event's text, `onEvent` the event itself.
 */
export function followStream(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onLine?: (line: string) => void,
  onEvent?: (event: StreamEvent) => void,
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
      (event: StreamEvent) => {
        onEvent?.(event);
        const text = (event.stream ?? event.status ?? '').trimEnd();
        if (text && onLine) onLine(text);
      },
    );
  });
}
