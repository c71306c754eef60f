import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { defaultBridgeGateway } from '../drivers/docker/bridge.ts';
import { CONTROL_PLANE_PORT } from '../model/index.ts';
import { OperationFailed } from '../ops/failure.ts';
import { certificateExpiries, metricsFacts, metricsText } from '../ops/metrics.ts';
import type { RunningEnvironment } from '../ops/running-environment.ts';
import { type Job, scheduledJobs } from '../ops/schedule.ts';
import { serveExecutors, startScheduler } from '../ops/serve.ts';
import { renderNginx } from '../render/nginx/index.ts';
import type { SecretStore } from '../state/index.ts';
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

export interface ControlPlane {
  /** `http://ADDRESS:PORT/metrics` for each address it listens on. */
  urls: string[];
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
  log: (line: string) => void;
}): Promise<ControlPlane> {
  const { running } = opts;
  const jobs = scheduledJobs(running.spec);
  const nginxDir = join(running.serverDir, 'shared', 'nginx');
  const nginx = renderNginx({ spec: running.spec, plan: running.plan });
  const metrics = metricsHandler(async () =>
    metricsText(await metricsFacts(running.store, jobs, certificateExpiries(nginxDir, nginx))),
  );
  const servers: Server[] = [];
  try {
    for (const a of opts.addresses) servers.push(await listen(metrics, a));
    const scheduler = await startScheduler({
      store: running.store,
      jobs,
      executors: serveExecutors(running),
      log: opts.log,
    });
    const urls = servers.map((s) => {
      const a = s.address() as AddressInfo;
      return `http://${a.address}:${a.port}/metrics`;
    });
    return {
      urls,
      jobs,
      async stop() {
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
