import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CONTROL_PLANE_PORT } from '../../model/index.ts';
import { startCertificateRenewal } from '../../ops/certificates/renewal-loop.ts';
import { startPreviewExpiry } from '../../ops/previews/expiry.ts';
import {
  API_ADDRESS,
  CONTROL_PLANE_ADDRESSES,
  controlPlaneSocket,
  isLoopback,
  type ServerTls,
  startControlPlane,
} from '../../server/index.ts';
import { escapeControl } from '../../spec/index.ts';
import { InvalidInput } from '../errors.ts';
import type { Io } from '../io.ts';
import { type GlobalOptions, specPath } from '../locations.ts';
import { openRunningEnvironment } from '../running-environment.ts';

// test/cli/serve.test.ts imports these from here; they live in src/server now.

export function registerServe(program: Command, io: Io): void {
  program
    .command('serve')
    .description(
      'the control plane: runs backups, restore checks and cron services on schedule; serves /metrics and the HTTP API',
    )
    .option(
      '--listen <host:port>',
      `where to serve /metrics over TCP as well (repeatable); default 127.0.0.1:${CONTROL_PLANE_PORT}. Prometheus reads it on a unix socket in the server folder, through the proxy`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--api <host:port>',
      `where the HTTP API and the dashboard listen; default ${API_ADDRESS.host}:${API_ADDRESS.port}. Anything but loopback needs --tls-cert and --tls-key`,
    )
    .option(
      '--tls-cert <file>',
      'the API serves HTTPS with this certificate chain (PEM), e.g. the proxy’s own',
    )
    .option('--tls-key <file>', 'the key of --tls-cert (PEM)')
    .action(async (options: { listen: string[]; api?: string; tlsCert?: string; tlsKey?: string }) => {
      const globals = program.opts<GlobalOptions>();
      const listenFlags = options.listen.map(parseListen);
      const tls = readTls(options.tlsCert, options.tlsKey, io.cwd);
      const api = { ...(options.api ? parseListen(options.api) : API_ADDRESS), ...(tls ? { tls } : {}) };
      if (!isLoopback(api.host) && !tls)
        throw new InvalidInput(
          `--api ${options.api}: off loopback the API serves only HTTPS (tokens would cross the network in clear text): give --tls-cert and --tls-key (the proxy's certificate for the server's domain will do: under <server folder>/shared/nginx)`,
        );
      const running = await openRunningEnvironment(specPath(undefined, globals, io.cwd), globals, io);
      try {
        const addresses = listenFlags.length ? listenFlags : CONTROL_PLANE_ADDRESSES;
        const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const plane = await startControlPlane({
          running,
          addresses,
          socket: controlPlaneSocket(running.serverDir),
          api,
          env: io.env,
          log: (line) => io.out(`${stamp()} ${line}`),
        });
        const renewal = startCertificateRenewal({
          spec: running.spec,
          plan: running.plan,
          serverDir: running.serverDir,
          docker: running.docker,
          log: (line) => io.out(`${stamp()} ${line}`),
        });
        const expiry = startPreviewExpiry({
          spec: running.spec,
          store: running.store,
          secrets: running.secrets,
          serverDir: running.serverDir,
          env: io.env,
          log: (line) => io.out(`${stamp()} ${line}`),
        });
        io.out(`${io.style.green('✓')} serving ${plane.urls.join(', ')}`);
        if (plane.apiUrl)
          io.out(`${io.style.green('✓')} API on ${plane.apiUrl} (tokens: stagecraft tokens create USER)`);
        const now = new Date();
        for (const j of plane.jobs)
          io.out(
            `  ${j.kind} ${j.project}/${j.service}  ${j.schedule}  next ${j.schedule.next(now).toISOString()}`,
          );
        if (!plane.jobs.length) io.out('  no scheduled jobs in the spec');

        await untilSignal(io);
        await plane.stop();
        await renewal.stop();
        await expiry.stop();
        io.out(`${io.style.green('✓')} stopped`);
      } finally {
        await running.close();
      }
    });
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw new InvalidInput(`--listen ${text}: write host:port, such as 127.0.0.1:${CONTROL_PLANE_PORT}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
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

/** Both files or neither; each read now, so a wrong path is an input error before anything starts. */
function readTls(cert: string | undefined, key: string | undefined, cwd: string): ServerTls | undefined {
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new InvalidInput('--tls-cert and --tls-key go together: give both, or neither');
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(resolve(cwd, file), 'utf8');
    } catch (e) {
      throw new InvalidInput(
        `${flag} ${escapeControl(file)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
  };
  return { cert: read('--tls-cert', cert), key: read('--tls-key', key) };
}
