/**
 * `serve` with examples/demo running (a team given the viewer role on both projects): its
 * resident memory at rest, and the p95 latency of `GET /api/v1/projects` under 50 concurrent
 * clients for 30 s on 127.0.0.1 (bounded: 30 s, one machine). The memory is compared with the
 * 100 MiB target and with Dokploy's control plane at idle (464–633 MiB, its published figures:
 * Dokploy cannot run on this machine, so that anchor is not measured here). Needs the engine and
 * the local images; run it under the engine lock.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-serve-'));
const API = '127.0.0.1:31750';
const METRICS = '127.0.0.1:31751';
const CLIENTS = 50;
const LOAD_MS = 30_000;
const TARGET_MIB = 100;
const DOKPLOY_IDLE_MIB = [464, 633] as const;

const demo = readFileSync(join(root, 'examples', 'demo', 'staging.yaml'), 'utf8');
const withAccess = demo
  .replace(/^projects:\n/m, 'teams:\n  readers: [bench]\nprojects:\n')
  .replace(/^ {2}(shop|blog):\n/gm, '  $1:\n    access: { readers: viewer }\n');
if (withAccess === demo) throw new Error('examples/demo/staging.yaml changed shape: no projects: block');
writeFileSync(join(dir, 'staging.yaml'), withAccess);

function stagecraft(args: string[]): string {
  const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`stagecraft ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** VmRSS of a process, in MiB. */
function rssMiB(pid: number): number {
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kib / 1024;
}

async function startServe(): Promise<ChildProcess> {
  const child = spawn(bin, ['serve', '--api', API, '--listen', METRICS], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  await new Promise<void>((resolve, reject) => {
    const check = () => (out.includes('API on') ? resolve() : undefined);
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${out}`)));
  });
  return child;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function load(token: string): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const end = performance.now() + LOAD_MS;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        const res = await fetch(`http://${API}/api/v1/projects`, {
          headers: { authorization: `Bearer ${token}` },
        }).catch(() => null);
        const body = res ? await res.text() : '';
        if (res?.status === 200 && body.includes('"shop"')) latencies.push(performance.now() - start);
        else failed++;
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), failed };
}

let serve: ChildProcess | undefined;
try {
  stagecraft(['up']);
  const token = stagecraft(['tokens', 'create', 'bench']).trim();
  serve = await startServe();
  // At rest: the largest of ten readings a second apart, once the listeners are up.
  let rest = 0;
  for (let i = 0; i < 10; i++) {
    rest = Math.max(rest, rssMiB(serve.pid!));
    await new Promise((r) => setTimeout(r, 1000));
  }
  const { latencies, failed } = await load(token);
  const loaded = rssMiB(serve.pid!);
  const p50 = percentile(latencies, 0.5);
  const p95 = percentile(latencies, 0.95);
  console.log(`serve: examples/demo running, API on ${API}`);
  console.log(
    `resident memory at rest: ${rest.toFixed(1)} MiB; ratio to the ${TARGET_MIB} MiB target: ${(rest / TARGET_MIB).toFixed(2)}`,
  );
  console.log(
    `  Dokploy's control plane at idle: ${DOKPLOY_IDLE_MIB.join('–')} MiB (its published figures): serve is ${(DOKPLOY_IDLE_MIB[0] / rest).toFixed(1)}–${(DOKPLOY_IDLE_MIB[1] / rest).toFixed(1)}× smaller`,
  );
  console.log(
    `GET /api/v1/projects, ${CLIENTS} clients for ${LOAD_MS / 1000} s: ${latencies.length} answers (${(latencies.length / (LOAD_MS / 1000)).toFixed(0)}/s), ${failed} failed; p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
  );
  console.log(`resident memory after the load: ${loaded.toFixed(1)} MiB`);
} finally {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve!.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  }
  spawnSync(bin, ['down', '--volumes'], { cwd: dir, encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
}
