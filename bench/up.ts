/**
 * `up` on the real engine: a cold `up` of examples/demo until every service and route answers,
 * compared in one run with Debian's docker-compose on the rendered compose files with the same
 * images (and, for reference, until the engine's own checks call every container healthy); a
 * no-op `up`; and the update of one app under load, against docker-compose `up -d` of the changed
 * service. Needs a Docker engine and the local images
 * (`stagecraft images build`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { UpRecord } from '../src/ops/up-record.ts';
import { describeLoad, type LoadStats, loadOn } from './load.ts';
import { environmentContainers, waitAllReady } from './ready.ts';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-up-'));
cpSync(join(root, 'examples', 'demo', 'staging.yaml'), join(dir, 'staging.yaml'));

function run(cmd: string, args: string[], cwd = dir): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return performance.now() - start;
}

const containers = () => environmentContainers('staging');

/** Waits until every container of the environment with a healthcheck is healthy. */
function waitAllHealthy(expected: number): void {
  for (;;) {
    const ids = containers();
    const states = ids.length
      ? spawnSync(
          'docker',
          ['inspect', '--format', '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', ...ids],
          { encoding: 'utf8' },
        )
          .stdout.trim()
          .split('\n')
      : [];
    if (ids.length >= expected && states.every((s) => s === 'healthy' || s === 'none')) return;
    spawnSync('sleep', ['0.2']);
  }
}

/** When the engine's checks first passed for the last of the containers (ms since the epoch). */
function engineHealthyAt(): number {
  const listed = JSON.parse(
    spawnSync('docker', ['inspect', ...containers()], { encoding: 'utf8' }).stdout,
  ) as Docker.ContainerInspectInfo[];
  const times = listed.flatMap((c) => {
    const passed = c.State.Health?.Log?.find((l) => l.ExitCode === 0);
    return passed ? [Date.parse(passed.End)] : [];
  });
  return Math.max(...times);
}

/** How many updates of one app each tool makes under load. */
const ROLLOUTS = 3;

interface Update {
  ms: number;
  load: LoadStats;
}

function runOut(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Like `run`, without blocking this process: a load runs in it meanwhile. */
function runAsync(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed:\n${out}`)),
    );
  });
}

/** Whether shop's web answers with `version` on its direct port (a fresh connection). */
function answersWith(port: number, version: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body).version === version);
        } catch {
          resolve(false);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * shop's web to `version` (an env change: every replica is recreated) by `command`, under load;
 * timed from the command's start until it has returned and the app answers with the new version.
 * The load goes on a second after, so that requests sent to a replica just stopped are counted too.
 */
async function updateUnderLoad(
  version: string,
  command: () => Promise<void>,
  prepare?: () => void,
): Promise<Update> {
  const anchor = '        release: demo-app migrate\n';
  writeFileSync(
    join(dir, 'staging.yaml'),
    original.replace(anchor, `${anchor}        env: { DEMO_VERSION: "${version}" }\n`),
  );
  prepare?.();
  const load = loadOn(shopPort);
  const start = performance.now();
  await command();
  while (!(await answersWith(shopPort, version))) await new Promise((r) => setTimeout(r, 50));
  const ms = performance.now() - start;
  await new Promise((r) => setTimeout(r, 1000));
  return { ms, load: await load.stop() };
}

const version = spawnSync('docker', ['info'], { encoding: 'utf8' });
if (version.status !== 0) {
  console.log('up: no Docker engine answers; start one (scripts/setup.sh) to measure up');
  process.exit(0);
}
run(bin, ['images', 'build']);
run(bin, ['down', '--volumes']);

// stagecraft, cold: `up` returns when every service answered its health gate (its readiness probe,
// or its own check run through the engine) and every route answered.
const coldStart = Date.now();
const cold = run(bin, ['up']);
const count = containers().length;
const record = JSON.parse(readFileSync(join(dir, '.stagecraft', 'up-record.json'), 'utf8')) as UpRecord;
// A no-op, five times: the median, and the containers it touched (must be none).
const noops: number[] = [];
for (let i = 0; i < 5; i++) {
  const ids = containers().join(' ');
  noops.push(run(bin, ['up']));
  if (containers().join(' ') !== ids) throw new Error('a no-op up touched containers');
}
const noop = noops.sort((a, b) => a - b)[2]!;
// The engine runs its own checks every 10 s, so its status says healthy some seconds after `up`.
waitAllHealthy(count);
const coldEngine = engineHealthyAt() - coldStart;
const original = readFileSync(join(dir, 'staging.yaml'), 'utf8');
const shopPort = (
  JSON.parse(runOut(bin, ['plan', '--json'])) as {
    allocations: Record<string, { ports: Record<string, number> }>;
  }
).allocations.shop!.ports.web!;
// stagecraft, update of one app under load: shop's web (2 replicas) gets a new version, ROLLOUTS times.
const updates: Update[] = [];
for (let i = 0; i < ROLLOUTS; i++)
  updates.push(await updateUnderLoad(String(i + 2), () => runAsync(bin, ['up', '--project', 'shop'])));
writeFileSync(join(dir, 'staging.yaml'), original);
run(bin, ['down', '--volumes']);

// docker-compose on the same rendered files and images, cold, to all-healthy.
const out = join(dir, 'rendered');
run(bin, ['render', '--out', out, '--with-secrets']);
const composeStart = Date.now();
run('docker-compose', ['-f', join(out, 'shared/compose.yaml'), 'up', '-d']);
for (const p of ['shop', 'blog']) {
  run('docker-compose', ['-f', join(out, 'projects', p, 'compose.yaml'), 'up', '-d']);
  run('docker-compose', ['-f', join(out, 'projects', p, 'compose.yaml'), 'run', '--rm', 'web-release']);
}
const compose = (await waitAllReady('staging', count, record.routes)) - composeStart;
waitAllHealthy(count);
const composeEngine = engineHealthyAt() - composeStart;
// docker-compose, update of one app under the same load: the rendered files of the new version
// (rendered before the clock starts), then `up -d`, which recreates the changed replicas.
const composeUpdates: Update[] = [];
for (let i = 0; i < ROLLOUTS; i++)
  composeUpdates.push(
    await updateUnderLoad(
      String(i + 2),
      () => runAsync('docker-compose', ['-f', join(out, 'projects/shop/compose.yaml'), 'up', '-d']),
      () => run(bin, ['render', '--out', out, '--with-secrets']),
    ),
  );
writeFileSync(join(dir, 'staging.yaml'), original);
for (const p of ['shop', 'blog'])
  run('docker-compose', ['-f', join(out, 'projects', p, 'compose.yaml'), 'down', '-v']);
run('docker-compose', ['-f', join(out, 'shared/compose.yaml'), 'down', '-v']);

console.log(`up: examples/demo, ${count} containers, real engine`);
console.log(
  `  cold up until every service and route answers: stagecraft ${(cold / 1000).toFixed(1)} s, docker-compose ${(compose / 1000).toFixed(1)} s; ratio ${(cold / compose).toFixed(2)} (target under 0.7)`,
);
console.log(
  `  cold up until the engine calls every container healthy (its checks run every 10 s): stagecraft ${(coldEngine / 1000).toFixed(1)} s, docker-compose ${(composeEngine / 1000).toFixed(1)} s; ratio ${(coldEngine / composeEngine).toFixed(2)}`,
);
console.log(
  `  no-op up (whole command, process start included, median of 5, 0 containers touched): ${noop.toFixed(0)} ms; ratio to the 300 ms target ${(noop / 300).toFixed(2)}`,
);
const median = (u: Update[]) => u.map((x) => x.ms).sort((a, b) => a - b)[Math.floor(u.length / 2)]!;
const failed = (u: Update[]) => u.reduce((n, x) => n + x.load.failed, 0);
console.log(
  `  update of one app (2 replicas) under load (4 keep-alive clients, about 200 requests/s in all, on its direct port), until it answers with the new version, median of ${ROLLOUTS}: stagecraft ${(median(updates) / 1000).toFixed(1)} s with ${failed(updates)} failed requests, docker-compose up -d ${(median(composeUpdates) / 1000).toFixed(1)} s with ${failed(composeUpdates)} failed; ratio ${(median(updates) / median(composeUpdates)).toFixed(2)} (target under 8 s, 0 failed)`,
);
for (const [who, list] of [
  ['stagecraft', updates],
  ['docker-compose', composeUpdates],
] as const)
  for (const u of list) console.log(`    ${who}: ${(u.ms / 1000).toFixed(1)} s, ${describeLoad(u.load)}`);
