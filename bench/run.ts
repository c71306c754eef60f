/**
 * `npm run bench`: speed and memory targets, as ratios to their targets (below 1 is within).
 * Each size runs in its own process pinned to one core, so peak memory and time are its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const pin = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];

function measure(script: string, arg: string): Record<string, number> {
  const [cmd, ...args] = [...pin, process.execPath, '--no-warnings', join(here, script), arg];
  return JSON.parse(execFileSync(cmd!, args, { encoding: 'utf8' }).trim().split('\n').at(-1)!);
}

const PLAN_TARGET_MS = 1000;
console.log('plan: parse + validate + plan of generated specs (5 services a project), one core');
console.log('projects  services  load ms  plan ms  total ms  peak RSS MiB');
const results: Record<number, Record<string, number>> = {};
for (const n of [10, 100, 1000]) {
  const r = measure('plan.ts', String(n));
  results[n] = r;
  console.log(
    `${String(n).padStart(8)}  ${String(r.services).padStart(8)}  ${r.loadMs!.toFixed(1).padStart(7)}  ${r.planMs!.toFixed(1).padStart(7)}  ${r.totalMs!.toFixed(1).padStart(8)}  ${String(r.peakRssMiB).padStart(12)}`,
  );
}
const thousand = results[1000]!;
console.log(
  `plan 1000 projects: ${thousand.totalMs!.toFixed(0)} ms; ratio to the 1 s target: ${(thousand.totalMs! / PLAN_TARGET_MS).toFixed(2)}`,
);
console.log(
  `growth 1000/100: ${(thousand.totalMs! / results[100]!.totalMs!).toFixed(1)}× for 10× the projects`,
);

const RENDER_TARGET_MS = 2000;
console.log('');
console.log('render: every artifact of the compose target (plan excluded), one core');
console.log('projects  render ms  files  MiB written  peak RSS MiB');
const renders: Record<number, Record<string, number>> = {};
for (const n of [10, 100, 1000]) {
  const r = measure('render.ts', String(n));
  renders[n] = r;
  console.log(
    `${String(n).padStart(8)}  ${r.renderMs!.toFixed(1).padStart(9)}  ${String(r.files).padStart(5)}  ${(r.bytes! / 1048576).toFixed(1).padStart(11)}  ${String(r.peakRssMiB).padStart(12)}`,
  );
}
console.log(
  `render 1000 projects: ${renders[1000]!.renderMs!.toFixed(0)} ms; ratio to the 2 s target: ${(renders[1000]!.renderMs! / RENDER_TARGET_MS).toFixed(2)}`,
);
console.log(
  `growth 1000/100: ${(renders[1000]!.renderMs! / renders[100]!.renderMs!).toFixed(1)}× for 10× the projects (linear is 10×)`,
);

// kubeconform's published figure (its README): 50,714 resources in 6.7 s, with 8 workers on a laptop.
// Not measurable here (no kubeconform in Debian, and no downloads); quoted as the anchor.
const KUBECONFORM_PER_S = 50_714 / 6.7;
console.log('');
console.log(
  'render --target k8s, then every object against its OpenAPI schema (kubernetes-models), one core',
);
console.log('projects  resources  render ms  validate ms  resources/s  peak RSS MiB');
for (const n of [100, 1000]) {
  const r = measure('k8s.ts', String(n));
  const perS = r.resources! / ((r.renderMs! + r.validateMs!) / 1000);
  console.log(
    `${String(n).padStart(8)}  ${String(r.resources).padStart(9)}  ${r.renderMs!.toFixed(0).padStart(9)}  ${r.validateMs!.toFixed(0).padStart(11)}  ${perS.toFixed(0).padStart(11)}  ${String(r.peakRssMiB).padStart(12)}`,
  );
  if (n === 1000)
    console.log(
      `k8s 1000 projects: ${r.resources} resources rendered and validated at ${perS.toFixed(0)}/s (validation alone ${(r.resources! / (r.validateMs! / 1000)).toFixed(0)}/s); ratio to kubeconform's published ${KUBECONFORM_PER_S.toFixed(0)}/s (50,714 in 6.7 s): ${(perS / KUBECONFORM_PER_S).toFixed(2)}`,
    );
}

console.log('');
execFileSync(process.execPath, ['--no-warnings', join(here, 'up.ts')], { stdio: 'inherit' });

console.log('');
execFileSync(process.execPath, ['--no-warnings', join(here, 'pull-up.ts')], { stdio: 'inherit' });

console.log('');
execFileSync(process.execPath, ['--no-warnings', join(here, 'backup.ts')], { stdio: 'inherit' });

console.log('');
execFileSync(process.execPath, ['--no-warnings', join(here, 'serve.ts')], { stdio: 'inherit' });
