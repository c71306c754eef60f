/**
 * One measurement in its own process, so peak memory is this size's alone:
 * `node bench/plan.ts N` prints JSON with load (parse + validate) and plan times.
 */
import { planEnvironment } from '../src/plan/index.ts';
import { loadSpecText } from '../src/spec/index.ts';
import { generateSpec } from './generate.ts';

const projects = Number(process.argv[2] ?? 100);
const text = generateSpec(projects);
const rounds = projects >= 1000 ? 5 : 20;

function time<T>(f: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = f();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

// Warm up, then take the median of several rounds.
let spec = loadSpecText('bench.yaml', text, {}).spec!;
planEnvironment(spec);
const loads: number[] = [];
const plans: number[] = [];
for (let i = 0; i < rounds; i++) {
  const l = time(() => loadSpecText('bench.yaml', text, {}));
  if (!l.value.spec) throw new Error(l.value.diagnostics.map((d) => d.message).join('\n'));
  spec = l.value.spec;
  loads.push(l.ms);
  plans.push(time(() => planEnvironment(spec)).ms);
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  JSON.stringify({
    projects,
    services: projects * 5,
    loadMs: median(loads),
    planMs: median(plans),
    totalMs: median(loads) + median(plans),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
