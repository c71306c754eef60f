import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import type Docker from 'dockerode';
import { startCertificateRenewal } from '../../ops/certificates/renewal-loop.ts';
import { certificateExpiries, metricsFacts, metricsText } from '../../ops/metrics.ts';
import { scheduledJobs } from '../../ops/schedule.ts';
import { serveExecutors, startScheduler } from '../../ops/serve.ts';
import { renderNginx } from '../../render/nginx/index.ts';
import { CONTROL_PLANE } from '../../render/prometheus/scrape.ts';
import { Cidr } from '../../spec/index.ts';
import { type GlobalOptions, specPath } from '../context.ts';
import { openEnvironment } from '../environment.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';

/** The port Prometheus scrapes the control plane on (`host.docker.internal:9300`). */
const PORT = Number(CONTROL_PLANE.split(':')[1]);

export function registerServe(program: Command, io: Io): void {
  program
    .command('serve')
    .description(
      'the control plane: runs backups, restore checks and cron services on schedule; serves /metrics',
    )
    .option(
      '--listen <host:port>',
      `where to serve (repeatable); default 127.0.0.1:${PORT} and the docker0 gateway's address:${PORT}`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (options: { listen: string[] }) => {
      const globals = program.opts<GlobalOptions>();
      const listenFlags = options.listen.map(parseListen);
      const env = await openEnvironment(specPath(undefined, globals), globals, io);
      const servers: Server[] = [];
      try {
        const addresses = listenFlags.length ? listenFlags : await controlPlaneAddresses(env.docker);
        const jobs = scheduledJobs(env.spec);
        const nginxDir = join(env.serverDir, 'shared', 'nginx');
        const nginx = renderNginx({ spec: env.spec, plan: env.plan });
        const metrics = metricsHandler(async () =>
          metricsText(await metricsFacts(env.store, jobs, certificateExpiries(nginxDir, nginx))),
        );
        for (const a of addresses) servers.push(await listen(metrics, a));
        const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const scheduler = await startScheduler({
          store: env.store,
          jobs,
          executors: serveExecutors(env),
          log: (line) => io.out(`${stamp()} ${line}`),
        });
        const renewal = startCertificateRenewal({
          spec: env.spec,
          plan: env.plan,
          serverDir: env.serverDir,
          docker: env.docker,
          log: (line) => io.out(`${stamp()} ${line}`),
        });
        const urls = servers.map((s) => {
          const a = s.address() as AddressInfo;
          return `http://${a.address}:${a.port}/metrics`;
        });
        io.out(`${io.style.green('✓')} serving ${urls.join(', ')}`);
        const now = new Date();
        for (const j of jobs)
          io.out(
            `  ${j.kind} ${j.project}/${j.service}  ${j.schedule}  next ${j.schedule.next(now).toISOString()}`,
          );
        if (!jobs.length) io.out('  no scheduled jobs in the spec');

        await untilSignal(io);
        await scheduler.stop();
        await renewal.stop();
        io.out(`${io.style.green('✓')} stopped`);
      } finally {
        // Prometheus keeps its connection open between scrapes: close those too, or close() waits for them.
        await Promise.all(
          servers.map((s) => {
            const closed = new Promise((resolve) => s.close(resolve));
            s.closeAllConnections();
            return closed;
          }),
        );
        await env.close();
      }
    });
}

/** `GET /metrics` in the text exposition format; anything else is 404. */
export function metricsHandler(read: () => Promise<string>): RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://control-plane').pathname;
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    read().then(
      (body) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body),
      (e: Error) => res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${e.message}\n`),
    );
  };
}

export interface ListenAddress {
  host: string;
  port: number;
}

function parseListen(text: string): ListenAddress {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw new InvalidInput(`--listen ${text}: write host:port, such as 127.0.0.1:${PORT}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * 127.0.0.1 for the host itself, and the gateway of Docker's default bridge (docker0), which is
 * what `host.docker.internal:host-gateway` resolves to inside the Prometheus container. Not
 * 0.0.0.0: the control plane must not be on a public address. The engine is asked for the
 * gateway; Docker 20.10 leaves it out of the bridge's IPAM config, and then it is the subnet's first
 * address (what the daemon gives docker0). `serve` runs on the server itself: on another machine
 * this address is not local, and listening fails.
 */
export async function controlPlaneAddresses(docker: Docker): Promise<ListenAddress[]> {
  const bridge = (await docker.getNetwork('bridge').inspect()) as {
    IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
  };
  let gateway: string | undefined;
  for (const c of bridge.IPAM?.Config ?? []) {
    const subnet = Cidr.parse(c.Subnet);
    if (!subnet.ok) continue; // an IPv6 subnet
    gateway = c.Gateway ?? subnet.value.address(1);
    break;
  }
  if (!gateway)
    throw new OperationFailed(
      `the engine's bridge network has no IPv4 gateway, so Prometheus cannot reach the control plane; give --listen ADDRESS:${PORT}`,
    );
  return [
    { host: '127.0.0.1', port: PORT },
    { host: gateway, port: PORT },
  ];
}

async function listen(handler: RequestListener, a: ListenAddress): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new OperationFailed(
          `cannot listen on ${a.host}:${a.port}: ${e.code === 'EADDRNOTAVAIL' ? 'not an address of this machine (run serve on the server itself, or give --listen)' : e.message}`,
        ),
      ),
    );
    server.listen(a.port, a.host, resolve);
  });
  return server;
}

/** Resolves on the first SIGINT or SIGTERM; a second one stops the process at once (Node's default). */
function untilSignal(io: Io): Promise<void> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      io.err(`${signal}: finishing the running jobs (again to stop at once)`);
      resolve();
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
