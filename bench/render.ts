/** One render measurement in its own process: `node bench/render.ts N` prints JSON. */
import { planEnvironment } from '../src/plan/index.ts';
import { renderServerLayout } from '../src/render/index.ts';
import { loadSpecText } from '../src/spec/index.ts';
import { generateSpec } from './generate.ts';

const projects = Number(process.argv[2] ?? 100);
const spec = loadSpecText('bench.yaml', generateSpec(projects), {}).spec!;
const plan = planEnvironment(spec);
const ctx = { spec, plan };
const rounds = projects >= 1000 ? 5 : 15;
renderServerLayout(ctx);
const times: number[] = [];
let files = 0;
let bytes = 0;
for (let i = 0; i < rounds; i++) {
  const start = process.hrtime.bigint();
  const artifacts = renderServerLayout(ctx);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
  files = artifacts.length;
  bytes = artifacts.reduce((n, a) => n + a.content.length, 0);
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    projects,
    renderMs: times[Math.floor(times.length / 2)],
    files,
    bytes,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
