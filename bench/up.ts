/**
 * `up` on the real engine: a cold `up` of examples/demo to all-healthy, compared in one run with
 * Debian's docker-compose on the rendered compose files with the same images; a no-op `up`; and
 * the update of one app. Needs a Docker engine and the local images (`stagecraft images build`).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

function containers(): string[] {
  return spawnSync('docker', ['ps', '-q', '--filter', 'label=io.stagecraft.environment=staging'], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
}

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

const version = spawnSync('docker', ['info'], { encoding: 'utf8' });
if (version.status !== 0) {
  console.log('up: no Docker engine answers; start one (scripts/setup.sh) to measure up');
  process.exit(0);
}
run(bin, ['images', 'build']);
run(bin, ['down', '--volumes']);

// stagecraft, cold: `up` returns when every service answered its readiness probe and every route
// answered; the engine's own healthchecks (every 10 s) may not have run yet. "All-healthy" is
// measured as for docker-compose below: until the engine calls every container healthy.
const coldStart = performance.now();
const ready = run(bin, ['up']);
const count = containers().length;
waitAllHealthy(count);
const cold = performance.now() - coldStart;
// A no-op, five times: the median, and the containers it touched (must be none).
const noops: number[] = [];
for (let i = 0; i < 5; i++) {
  const ids = containers().join(' ');
  noops.push(run(bin, ['up']));
  if (containers().join(' ') !== ids) throw new Error('a no-op up touched containers');
}
const noop = noops.sort((a, b) => a - b)[2]!;
const original = readFileSync(join(dir, 'staging.yaml'), 'utf8');
writeFileSync(
  join(dir, 'staging.yaml'),
  original.replace(
    '        release: demo-app migrate\n',
    '        release: demo-app migrate\n        env: { DEMO_VERSION: "2" }\n',
  ),
);
const update = run(bin, ['up', '--project', 'shop']);
writeFileSync(join(dir, 'staging.yaml'), original);
run(bin, ['down', '--volumes']);

// docker-compose on the same rendered files and images, cold, to all-healthy.
const out = join(dir, 'rendered');
run(bin, ['render', '--out', out, '--with-secrets']);
const composeStart = performance.now();
run('docker-compose', ['-f', join(out, 'shared/compose.yaml'), 'up', '-d']);
for (const p of ['shop', 'blog']) {
  run('docker-compose', ['-f', join(out, 'projects', p, 'compose.yaml'), 'up', '-d']);
  run('docker-compose', ['-f', join(out, 'projects', p, 'compose.yaml'), 'run', '--rm', 'web-release']);
}
waitAllHealthy(count);
const compose = performance.now() - composeStart;
for (const p of ['shop', 'blog'])
  run('docker-compose', ['-f', join(out, 'projects', p, 'compose.yaml'), 'down', '-v']);
run('docker-compose', ['-f', join(out, 'shared/compose.yaml'), 'down', '-v']);

console.log(`up: examples/demo, ${count} containers, real engine`);
console.log(
  `  cold up to all-healthy: stagecraft ${(cold / 1000).toFixed(1)} s, docker-compose ${(compose / 1000).toFixed(1)} s; ratio ${(cold / compose).toFixed(2)} (target under 0.7)`,
);
console.log(
  `  cold up until \`up\` returned (every service and route answering): ${(ready / 1000).toFixed(1)} s`,
);
console.log(
  `  no-op up (whole command, process start included, median of 5, 0 containers touched): ${noop.toFixed(0)} ms; ratio to the 300 ms target ${(noop / 300).toFixed(2)}`,
);
console.log(`  update of one app (2 replicas, rolled with drain): ${(update / 1000).toFixed(1)} s`);
