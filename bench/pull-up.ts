/**
 * Pull-and-up from a registry: `stagecraft up` of a spec whose images all come from a local
 * password-protected registry (Debian's docker-registry, as the tests run it; the official names
 * under `images: { mirror }`, the app's image behind `server.registries`), against Debian's
 * docker-compose on the same rendered compose files: `docker-compose pull && docker-compose up -d`
 * (credentials by `docker login` into a config of its own), each from images absent on the engine,
 * until every service and route answers. Needs a Docker engine and the local image set.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildContext } from '../src/drivers/docker/build.ts';
import { pushImage } from '../src/drivers/docker/pull.ts';
import type { UpRecord } from '../src/ops/up-record.ts';
import { startRegistry } from '../test/support/registry.ts';
import { environmentContainers, waitAllReady } from './ready.ts';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-pull-'));
const dockerConfig = join(dir, 'docker-config');
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const PASSWORD = 'bench-pull-horse';
const ENVIRONMENT = 'staging';

function run(cmd: string, args: string[], input?: string): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', DOCKER_CONFIG: dockerConfig },
    ...(input !== undefined ? { input } : {}),
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return performance.now() - start;
}

if (spawnSync('docker', ['info'], { encoding: 'utf8' }).status !== 0) {
  console.log('pull-and-up: no Docker engine answers; start one (scripts/setup.sh) to measure it');
  process.exit(0);
}
if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status !== 0)
  run('apt-get', ['install', '-y', '--no-install-recommends', 'docker-compose']);

const registry = await startRegistry('bench', PASSWORD);
const host = registry.host;
const auth = { username: 'bench', password: PASSWORD, serveraddress: host };
const pushed: string[] = [];
try {
  for (const [source, repository, tag] of [
    ['stagecraft/nginx:bookworm', 'library/nginx', '1.27'],
    ['stagecraft/nginx-exporter:bookworm', 'nginx/nginx-prometheus-exporter', '1.4'],
    ['stagecraft/redis:bookworm', 'library/redis', '7'],
    ['stagecraft/postgresql:15', 'library/postgres', '15'],
  ] as const) {
    await pushImage(docker, source, `${host}/${repository}`, tag, auth);
    pushed.push(`${host}/${repository}:${tag}`);
  }
  // The app's image has a 16 MiB layer of its own, so each pull moves it; the Debian layers the
  // local image set shares are on the engine already, for both tools alike.
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'Dockerfile'),
    `FROM stagecraft/demo-app:1\nRUN head -c 16777216 /dev/urandom > /tmp/blob && echo ${randomUUID()} > /tmp/stamp\n`,
  );
  await buildContext(
    docker,
    { context: app, files: ['Dockerfile'], dockerfile: 'Dockerfile', args: {} },
    'bench-pull-app:1',
    () => {},
  );
  await pushImage(docker, 'bench-pull-app:1', `${host}/team/app`, '1', auth);
  pushed.push(`${host}/team/app:1`);
  await docker.getImage('bench-pull-app:1').remove();

  const absent = async () => {
    for (const ref of pushed)
      await docker
        .getImage(ref)
        .remove()
        .catch(() => {});
  };
  writeFileSync(
    join(dir, 'staging.yaml'),
    `version: 1
environment: ${ENVIRONMENT}
server:
  host: local
  domain: pullbench.localhost
  capacity: { cpus: 2, memory: 4GiB }
  images: { mirror: ${host}/ }
  registries:
    "${host}": { username: bench, password: { secret: REGISTRY_PASSWORD } }
  listen: { http: 29580 }
network: { shared: 10.248.0.0/24, projects: 10.249.0.0/16, projectSize: 24 }
ports: { postgres: 29600, redis: 29700, rabbitmq: 29800, app: 29900 }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  pull:
    services:
      web:
        type: app
        image: ${host}/team/app:1
        resources: { cpus: 0.1, memory: 64MiB }
        health: { path: /health, interval: 10s, timeout: 2s, retries: 3, startPeriod: 2s }
        release: demo-app migrate
        uses: [db, cache]
      db: { type: postgres, version: "15", exporter: false, resources: { cpus: 0.2, memory: 256MiB } }
      cache: { type: redis, version: "7", exporter: false, resources: { cpus: 0.05, memory: 64MiB } }
`,
  );
  run(bin, ['secrets', 'set', 'shared', 'REGISTRY_PASSWORD'], PASSWORD);

  await absent();
  const stagecraft = run(bin, ['up']);
  const count = environmentContainers(ENVIRONMENT).length;
  const record = JSON.parse(readFileSync(join(dir, '.stagecraft', 'up-record.json'), 'utf8')) as UpRecord;
  const out = join(dir, 'rendered');
  run(bin, ['render', '--out', out, '--with-secrets']);
  run(bin, ['down', '--volumes']);

  await absent();
  run('docker', ['login', host, '-u', 'bench', '--password-stdin'], PASSWORD);
  const shared = join(out, 'shared', 'compose.yaml');
  const project = join(out, 'projects', 'pull', 'compose.yaml');
  const composeStart = Date.now();
  for (const file of [shared, project]) {
    run('docker-compose', ['-f', file, 'pull', '--quiet']);
    run('docker-compose', ['-f', file, 'up', '-d']);
  }
  run('docker-compose', ['-f', project, 'run', '--rm', 'web-release']);
  const compose = (await waitAllReady(ENVIRONMENT, count, record.routes)) - composeStart;
  run('docker-compose', ['-f', project, 'down', '-v']);
  run('docker-compose', ['-f', shared, 'down', '-v']);

  console.log(
    `pull-and-up: ${pushed.length} images from a local registry with credentials, ${count} containers`,
  );
  console.log(
    `  from images absent on the engine until every service and route answers: stagecraft up ${(stagecraft / 1000).toFixed(1)} s, docker-compose pull && up -d ${(compose / 1000).toFixed(1)} s; ratio ${(stagecraft / compose).toFixed(2)}`,
  );
} finally {
  spawnSync(bin, ['down', '--volumes'], { cwd: dir });
  for (const ref of pushed)
    await docker
      .getImage(ref)
      .remove()
      .catch(() => {});
  registry.stop();
  rmSync(dir, { recursive: true, force: true });
}
