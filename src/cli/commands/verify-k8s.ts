import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkKubernetesIsolation, describeDifference } from '../../ops/k8s-isolation.ts';
import { planEnvironment } from '../../plan/index.ts';
import { type KubeObject, kubernetesFiles } from '../../render/k8s/index.ts';
import type { Spec } from '../../spec/index.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';

/**
 * `verify isolation --target k8s [--dir DIR]`: the NetworkPolicies of a rendered tree (or of the
 * spec rendered in memory) evaluated for every pair and port of the isolation matrix; exit 1
 * naming each pair that differs.
 */
export function verifyKubernetesIsolation(
  spec: Spec,
  options: { dir?: string; json?: boolean },
  io: Io,
): void {
  const objects = options.dir
    ? objectsIn(resolve(options.dir))
    : kubernetesFiles({ spec, plan: planEnvironment(spec) }).flatMap(([, o]) => o);
  const report = checkKubernetesIsolation(spec, objects);
  if (options.json) io.out(JSON.stringify(report.pairs, null, 2));
  if (report.differences.length)
    throw new OperationFailed(
      `the NetworkPolicies differ from the isolation matrix in ${report.differences.length} of ${report.pairs.length} pairs:\n${report.differences.map(describeDifference).join('\n')}`,
    );
  const message = `${io.style.green('✓')} the NetworkPolicies give the isolation matrix: ${report.pairs.length} pairs and ports`;
  if (options.json) io.err(message);
  else io.out(message);
}

/** Every object in the YAML files under `dir` (kustomization files aside). */
function objectsIn(dir: string): KubeObject[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    throw new InvalidInput(
      `--dir ${dir}: no such folder (render it with: stagecraft render --target k8s --out ${dir})`,
    );
  }
  const files = names.filter((n) => /\.ya?ml$/.test(n) && !/(^|\/)kustomization\.ya?ml$/.test(n)).sort();
  if (files.length === 0) throw new InvalidInput(`--dir ${dir}: no YAML files there`);
  const out: KubeObject[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      if (doc.errors.length) throw new InvalidInput(`${join(dir, f)}: ${doc.errors[0]!.message}`);
      const o = doc.toJS() as KubeObject | null;
      if (o && typeof o === 'object' && typeof o.kind === 'string') out.push(o);
    }
  }
  return out;
}
