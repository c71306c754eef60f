import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { CONTROL_PLANE_PORT, CONTROL_PLANE_SOCKET, SHARED } from '../model/index.ts';
import { driftCounts } from '../ops/drift.ts';
import { watchDrift } from '../ops/drift-watch.ts';
import { OperationFailed } from '../ops/failure.ts';
import { redactedProjectLogs } from '../ops/logs.ts';
import { certificateExpiries, metricsFacts, metricsText, watchedVolumes } from '../ops/metrics.ts';
import type { RunningEnvironment } from '../ops/running-environment.ts';
import { type Job, scheduledJobs } from '../ops/schedule.ts';
import { serveExecutors, startScheduler } from '../ops/serve.ts';
import { environmentStatus } from '../ops/status.ts';
import { renderNginx } from '../render/nginx/index.ts';
import type { SecretStore } from '../state/index.ts';
import { opsActions } from './api/actions.ts';
import { apiApp } from './api/app.ts';
import { metricsHandler } from './metrics.ts';

export interface ListenAddress {
  host: string;
  port: number;
}

/** A certificate chain and its key, PEM: the API on anything but loopback serves only TLS. */
export interface ServerTls {
  cert: string;
  key: string;
}

/** The control plane cannot listen where it was asked to (or the engine gives it nowhere to). */
export class CannotListen extends OperationFailed {}

/**
 * 127.0.0.1 for the host itself. Prometheus reads the socket (`controlPlaneSocket`) through the
 * proxy: an address of the host's bridges would be reachable from every container on the host.
 */
export const CONTROL_PLANE_ADDRESSES: readonly ListenAddress[] = [
  { host: '127.0.0.1', port: CONTROL_PLANE_PORT },
];

/**
 * `<serverDir>/shared/control-plane/metrics.sock`: the folder only the shared proxy mounts, the
 * only way in for Prometheus. `serve` runs on the server itself, beside the engine.
 */
export function controlPlaneSocket(serverDir: string): string {
  return join(serverDir, SHARED, CONTROL_PLANE_SOCKET.folder, CONTROL_PLANE_SOCKET.name);
}

/** A unix socket path longer than this does not fit in `sockaddr_un` (108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/** Where the API listens by default (spec.md: `serve [--listen ADDR:PORT]`, 127.0.0.1:7700). */
export const API_ADDRESS: ListenAddress = { host: '127.0.0.1', port: 7700 };

/** 127.0.0.0/8, ::1 and localhost: the only addresses the API may listen on without TLS. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface ControlPlane {
  /** `http://ADDRESS:PORT/metrics` for each address it listens on. */
  urls: string[];
  /** `http://ADDRESS:PORT/api/v1/` when the API is served. */
  apiUrl?: string;
  jobs: Job[];
  /** Finishes the running jobs, then closes the listeners. */
  stop(): Promise<void>;
}

/**
 * The control plane: `/metrics` on every address (values from the store, the scheduler's history,
 * the certificates `up` wrote and the drift it looks for every few minutes), and the scheduler running the spec's backups, restore checks
 * and cron services.
 */
export async function startControlPlane(opts: {
  running: RunningEnvironment & { secrets: SecretStore };
  addresses: readonly ListenAddress[];
  /** The unix socket Prometheus reads `/metrics` on (through the proxy); none: no socket. */
  socket?: string;
  /** Where the HTTP API listens (a listener of its own: /metrics is not on it); none: no API. */
  api?: ListenAddress & { tls?: ServerTls };
  /** The variables the engine is reached with, for the API's deploys. */
  env?: NodeJS.ProcessEnv;
  /** How often the engine is compared with the spec (`stagecraft_drift`); default `DRIFT_CHECK_MS`. */
  driftIntervalMs?: number;
  log: (line: string) => void;
}): Promise<ControlPlane> {
  const { running } = opts;
  // Tokens travel in a header: off this machine they would cross the network in clear text.
  if (opts.api && !isLoopback(opts.api.host) && !opts.api.tls)
    throw new CannotListen(
      `the API listens on ${opts.api.host} only with TLS (tokens would cross the network in clear text): give it a certificate and key`,
    );
  const stopping = new AbortController();
  const jobs = scheduledJobs(running.spec);
  const nginxDir = join(running.serverDir, 'shared', 'nginx');
  const nginx = renderNginx({ spec: running.spec, plan: running.plan });
  const drift = watchDrift({ ...running, intervalMs: opts.driftIntervalMs, log: opts.log });
  const projects = running.spec.projects.map((p) => p.name);
  const volumes = watchedVolumes(running.docker, running.spec);
  const metrics = metricsHandler(async () => {
    const facts = await metricsFacts(running.store, jobs, certificateExpiries(nginxDir, nginx));
    const seen = drift.latest();
    return metricsText({
      ...facts,
      volumes: await volumes(),
      ...(seen ? { drift: driftCounts(seen, projects) } : {}),
    });
  });
  const servers: Server[] = [];
  try {
    for (const a of opts.addresses) servers.push(await listen(metrics, a));
    const urls = servers.map((s) => {
      const a = s.address() as AddressInfo;
      return `http://${a.address}:${a.port}/metrics`;
    });
    if (opts.socket) {
      servers.push(await listenOnSocket(metrics, opts.socket));
      urls.push(`unix:${opts.socket}:/metrics`);
    }
    let apiUrl: string | undefined;
    if (opts.api) {
      const app = apiApp({
        spec: running.spec,
        plan: running.plan,
        store: running.store,
        engine: () => environmentStatus(running.docker, running.spec, running.store),
        actions: opsActions(running, { env: opts.env ?? {}, log: opts.log }),
        logs: (which, options, onLine) => redactedProjectLogs(running, which, options, onLine),
        stopping: stopping.signal,
      });
      const server = await listen(getRequestListener(app.fetch), opts.api, opts.api.tls);
      servers.push(server);
      const a = server.address() as AddressInfo;
      const scheme = opts.api.tls ? 'https' : 'http';
      apiUrl = `${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/api/v1/`;
    }
    const scheduler = await startScheduler({
      store: running.store,
      jobs,
      executors: serveExecutors(running),
      log: opts.log,
    });
    return {
      urls,
      ...(apiUrl ? { apiUrl } : {}),
      jobs,
      async stop() {
        stopping.abort();
        drift.stop();
        await scheduler.stop();
        await closeAll(servers);
      },
    };
  } catch (e) {
    drift.stop();
    await closeAll(servers);
    throw e;
  }
}

async function listen(handler: RequestListener, a: ListenAddress, tls?: ServerTls): Promise<Server> {
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new CannotListen(
          `cannot listen on ${a.host}:${a.port}: ${e.code === 'EADDRNOTAVAIL' ? 'not an address of this machine (run serve on the server itself, or give --listen)' : e.message}`,
        ),
      ),
    );
    server.listen(a.port, a.host, resolve);
  });
  return server;
}

/**
 * Listens on the socket, replacing a stale one (a `serve` that died) but never one another `serve`
 * still answers on. Anyone who can reach the folder may connect (the proxy's nginx runs as its own
 * user): only the proxy mounts it, and the host has 127.0.0.1:9300 anyway.
 */
async function listenOnSocket(handler: RequestListener, path: string): Promise<Server> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH)
    throw new CannotListen(
      `the control plane's socket path is longer than ${MAX_SOCKET_PATH} bytes (${path}): move the server folder to a shorter path`,
    );
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o755 });
  const answering = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (answering) throw new CannotListen(`another serve answers on ${path}: stop it first`);
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new CannotListen(`cannot listen on ${path}: ${e.message}`)),
    );
    server.listen(path, resolve);
  });
  chmodSync(path, 0o666);
  return server;
}

/** Prometheus keeps its connection open between scrapes: those are closed too, or close() waits for them. */
function closeAll(servers: readonly Server[]): Promise<unknown> {
  return Promise.all(
    servers.map((s) => {
      const closed = new Promise((resolve) => s.close(resolve));
      s.closeAllConnections();
      return closed;
    }),
  );
}
