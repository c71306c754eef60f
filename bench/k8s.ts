/**
 * `node bench/k8s.ts N`: `render --target k8s` of a generated spec of N projects (every file of the
 * kustomize tree), then every object checked against its OpenAPI schema (test/support/k8s-schema.ts,
 * the validators of kubernetes-models and its CRD packages); prints JSON.
 */
import { planEnvironment } from '../src/plan/index.ts';
import { kubernetesFiles, renderKubernetes } from '../src/render/k8s/index.ts';
import { loadSpecText } from '../src/spec/index.ts';
import { formatProblem, validateObjects } from '../test/support/k8s-schema.ts';
import { generateSpec } from './generate.ts';

const projects = Number(process.argv[2] ?? 1000);
const spec = loadSpecText('bench.yaml', generateSpec(projects), {}).spec!;
const ctx = { spec, plan: planEnvironment(spec) };
const renderStart = performance.now();
const files = renderKubernetes(ctx);
const renderMs = performance.now() - renderStart;
const objects = kubernetesFiles(ctx).flatMap(([, o]) => o);
const validateStart = performance.now();
const problems = await validateObjects(objects);
const validateMs = performance.now() - validateStart;
if (problems.length) throw new Error(problems.slice(0, 5).map(formatProblem).join('\n'));
console.log(
  JSON.stringify({
    projects,
    files: files.length,
    resources: objects.length,
    renderMs,
    validateMs,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
