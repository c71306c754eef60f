import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet } from '../../src/drivers/http-get.ts';
import { type ChildOutput, childOutput } from './child-output.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'stagecraft');

export interface FaultSpecOptions {
  project: string;
  /** Keeps each file's subnets and ports apart from the others' (0–9). */
  slot: number;
  /** The app's env (DEMO_VERSION, DEMO_BROKEN) and any other lines of its service, YAML flow. */
  appEnv?: Record<string, string>;
  /** Extra lines of the app's service (indented 8), e.g. `command:` or `resources:`. */
  appLines?: readonly string[];
  /** Lines of `server:` besides the fixed ones (indented 2), e.g. `backupDir: /x`. */
  serverLines?: readonly string[];
  /** Lines of the database service's mapping (flow), e.g. `backup: { schedule: "0 3 * * *" }`. */
  dbExtra?: string;
  /** The app's health check (YAML flow). */
  health?: string;
  /** Without the app (the database alone): fewer images for an engine of the test's own. */
  app?: boolean;
}

/**
 * A spec for the fault tests: the shared proxy (no monitoring), and one project with a demo app
 * (its release step, a health gate; unless `app: false`) and its PostgreSQL. Environment `preview`, like the other
 * engine tests' own specs; the project name and the slot keep each file's containers, subnets and
 * ports apart.
 */
export function faultSpec(o: FaultSpecOptions): string {
  const net = 200 + 2 * o.slot;
  const base = 40000 + 1000 * o.slot;
  return `version: 1
environment: preview
server:
  host: local
  domain: ${o.project}.localhost
  capacity: { cpus: 2, memory: 4GiB }
  images: local
  listen: { http: ${base} }
${(o.serverLines ?? []).map((l) => `  ${l}\n`).join('')}network: { shared: 10.${net}.0.0/24, projects: 10.${net + 1}.0.0/16, projectSize: 24 }
ports: { postgres: ${base + 100}, redis: ${base + 200}, rabbitmq: ${base + 300}, app: ${base + 400} }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  ${o.project}:
    services:
${o.app === false ? '' : appService(o)}      db: { type: postgres, exporter: false, resources: { cpus: 0.2, memory: 256MiB }${o.dbExtra ? `, ${o.dbExtra}` : ''} }
`;
}

/** The app's service lines in `faultSpec`. */
function appService(o: FaultSpecOptions): string {
  const env = Object.entries({ DEMO_VERSION: '1', ...o.appEnv })
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  const health = o.health ?? '{ path: /health, interval: 10s, timeout: 2s, retries: 3, startPeriod: 2s }';
  return `      web:
        type: app
        image: stagecraft/demo-app:1
        resources: { cpus: 0.1, memory: 64MiB }
        health: ${health}
        release: demo-app migrate
        uses: [db]
        env: { ${env} }
${(o.appLines ?? []).map((l) => `        ${l}\n`).join('')}`;
}

/** The app's host port (published by the shared proxy) for a spec of `faultSpec`. */
export const appPort = (slot: number) => 40000 + 1000 * slot + 400;

export interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** One fault test's folder and spec, the binary run in it, and what the engine holds of its project. */
export class FaultEnv {
  readonly dir = mkdtempSync(join(tmpdir(), 'stagecraft-faults-'));
  readonly project: string;
  readonly slot: number;
  readonly env: Record<string, string>;

  constructor(o: FaultSpecOptions, env: Record<string, string> = {}) {
    this.project = o.project;
    this.slot = o.slot;
    // DOCKER_HOST, when set, points the commands (and the docker CLI) at another engine.
    this.env = { ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}), ...env };
    this.write(o);
  }

  write(o: Partial<FaultSpecOptions>): void {
    writeFileSync(
      join(this.dir, 'staging.yaml'),
      faultSpec({ project: this.project, slot: this.slot, ...o }),
    );
  }

  /** The binary, started: its output, to wait on and to kill. */
  start(args: string[]): { child: ReturnType<typeof spawn>; output: ChildOutput } {
    const child = spawn(bin, args, {
      cwd: this.dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        NO_COLOR: '1',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { child, output: childOutput(child) };
  }

  /** The binary, run to its end (without blocking this process: the app is polled meanwhile). */
  async run(...args: string[]): Promise<Run> {
    const { output } = this.start(args);
    const code = await output.closed;
    return { code, out: output.out, err: output.err };
  }

  /** `up`, which must converge. */
  async up(): Promise<Run> {
    const r = await this.run('up');
    assert.equal(r.code, 0, `up did not converge:\n${r.out}\n${r.err}`);
    return r;
  }

  /** The docker CLI on the engine this test's commands reach (its DOCKER_HOST, if it sets one). */
  docker(...args: string[]): string {
    const r = spawnSync('docker', args, { encoding: 'utf8', env: { ...process.env, ...this.env } });
    assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
    return r.stdout.trim();
  }

  /** Names of the engine's containers of this project and of the shared stack, sorted. */
  containers(): string[] {
    const names = [this.project, 'shared'].flatMap((p) =>
      this.docker('ps', '-a', '--format', '{{.Names}}', '--filter', `label=io.stagecraft.project=${p}`).split(
        '\n',
      ),
    );
    return names.filter(Boolean).sort();
  }

  /** Runs SQL in the project's database (over its local socket, as its own user). */
  sql(statement: string): string {
    return this.docker(
      'exec',
      `${this.project}-db`,
      'sh',
      '-c',
      `psql -X -q -At -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "${statement}"`,
    );
  }

  /** Rows this test keeps in the database, counted. */
  rows(): number {
    return Number(this.sql('SELECT count(*) FROM kept'));
  }

  /** Puts `n` rows into the database (a table of the test's own). */
  seed(n: number): void {
    this.sql(
      `CREATE TABLE IF NOT EXISTS kept (id serial PRIMARY KEY, v text); INSERT INTO kept (v) SELECT 'row ' || g FROM generate_series(1, ${n}) g`,
    );
  }

  /** The app's answer on its host port, through the proxy: status and version (fresh connection). */
  async app(): Promise<{ status: number; version?: string }> {
    const r = await httpGet({ host: '127.0.0.1', port: appPort(this.slot) }, '/', { timeoutMs: 5000 });
    if (r.status !== 200) return { status: r.status };
    return { status: r.status, version: (JSON.parse(r.body) as { version: string }).version };
  }

  /** Removes everything the tests made: its environment's containers and volumes, and its folder. */
  async destroy(): Promise<void> {
    const r = await this.run('down', '--volumes');
    if (r.code !== 0) process.stderr.write(`down --volumes failed: ${r.err}\n`);
    spawnSync('docker', ['volume', 'rm', '-f', `${this.project}-db-data`], {
      env: { ...process.env, ...this.env },
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Polls the app every 50 ms until stopped: what each answer was, in order. A failed request is an
 * answer with status 0 (nothing answered) or the proxy's 5xx.
 */
export function pollApp(env: FaultEnv): { stop(): Promise<{ status: number; version?: string }[]> } {
  let running = true;
  const seen: { status: number; version?: string }[] = [];
  const loop = (async () => {
    while (running) {
      seen.push(await env.app());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}
