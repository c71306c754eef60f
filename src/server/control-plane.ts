import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type Docker from 'dockerode';
import { defaultBridgeGateway } from '../drivers/docker/bridge.ts';
import { CONTROL_PLANE_PORT } from '../model/index.ts';
import { OperationFailed } from '../ops/failure.ts';
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

/** The control plane cannot listen where it was asked to (or the engine gives it nowhere to). */
export class CannotListen extends OperationFailed {}

/**
 * 127.0.0.1 for the host itself, and the gateway of Docker's default bridge (docker0), which is
 * what `host.docker.internal:host-gateway` resolves to inside the Prometheus container. Not
 * 0.0.0.0: the control plane must not be on a public address. `serve` runs on the server itself:
 * on another machine this address is not local, and listening fails.
 */
export async function controlPlaneAddresses(docker: Docker): Promise<ListenAddress[]> {
  const gateway = await defaultBridgeGateway(docker);
  if (!gateway)
    throw new CannotListen(
      `the engine's bridge network has no IPv4 gateway, so Prometheus cannot reach the control plane; give --listen ADDRESS:${CONTROL_PLANE_PORT}`,
    );
  return [
    { host: '127.0.0.1', port: CONTROL_PLANE_PORT },
    { host: gateway, port: CONTROL_PLANE_PORT },
  ];
}

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
 * The control plane: `/metrics` on every address (values from the store, the scheduler's history
 * and the certificates `up` wrote), and the scheduler running the spec's backups, restore checks
 * and cron services.
 */
export async function startControlPlane(opts: {
  running: RunningEnvironment & { secrets: SecretStore };
  addresses: readonly ListenAddress[];
  /** Where the HTTP API listens (a listener of its own: /metrics is not on it); none: no API. */
  api?: ListenAddress;
  /** The variables the engine is reached with, for the API's deploys. */
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): Promise<ControlPlane> {
  const { running } = opts;
  // Tokens travel in a header: off this machine they would cross the network in clear text.
  if (opts.api && !isLoopback(opts.api.host))
    throw new CannotListen(
      `the API listens on loopback only (it has no TLS yet): ${opts.api.host} is not; put a TLS proxy on 127.0.0.1:${opts.api.port} in front of it`,
    );
  const stopping = new AbortController();
  const jobs = scheduledJobs(running.spec);
  const nginxDir = join(running.serverDir, 'shared', 'nginx');
  const nginx = renderNginx({ spec: running.spec, plan: running.plan });
  const volumes = watchedVolumes(running.docker, running.spec);
  const metrics = metricsHandler(async () =>
    metricsText({
      ...(await metricsFacts(running.store, jobs, certificateExpiries(nginxDir, nginx))),
      volumes: await volumes(),
    }),
  );
  const servers: Server[] = [];
  try {
    for (const a of opts.addresses) servers.push(await listen(metrics, a));
    let apiUrl: string | undefined;
    if (opts.api) {
      const app = apiApp({
        spec: running.spec,
        plan: running.plan,
        store: running.store,
        engine: () => environmentStatus(running.docker, running.spec, running.store),
        actions: opsActions(running, { env: opts.env ?? {}, log: opts.log }),
        stopping: stopping.signal,
      });
      const server = await listen(getRequestListener(app.fetch), opts.api);
      servers.push(server);
      const a = server.address() as AddressInfo;
      apiUrl = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/api/v1/`;
    }
    const scheduler = await startScheduler({
      store: running.store,
      jobs,
      executors: serveExecutors(running),
      log: opts.log,
    });
    const urls = servers.slice(0, opts.addresses.length).map((s) => {
      const a = s.address() as AddressInfo;
      return `http://${a.address}:${a.port}/metrics`;
    });
    return {
      urls,
      ...(apiUrl ? { apiUrl } : {}),
      jobs,
      async stop() {
        stopping.abort();
        await scheduler.stop();
        await closeAll(servers);
      },
    };
  } catch (e) {
    await closeAll(servers);
    throw e;
  }
}

async function listen(handler: RequestListener, a: ListenAddress): Promise<Server> {
  const server = createServer(handler);
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
