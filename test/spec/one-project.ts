import { planEnvironment } from '../../src/plan/index.ts';
import { type Diagnostic, loadSpecText, place } from '../../src/spec/index.ts';

/** A small valid spec (one project: an app that uses a database); each test changes one thing. */
export const ONE_PROJECT = `version: 1
server:
  domain: example.test
  capacity: { cpus: 4, memory: 8GiB }
projects:
  shop:
    services:
      web:
        type: app
        image: shop:1
        uses: [db]
      db:
        type: postgres
`;

/** The errors of loading and planning `text` as staging.yaml, placed and in file order. */
export function diagnose(text: string, env: Record<string, string> = {}): Diagnostic[] {
  const r = loadSpecText('staging.yaml', text, env);
  if (!r.spec) return r.diagnostics.filter((d) => d.severity === 'error');
  const plan = planEnvironment(r.spec);
  return place([...r.diagnostics, ...plan.diagnostics], r.source).filter((d) => d.severity === 'error');
}
