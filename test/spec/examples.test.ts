import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { isolationMatrix, planEnvironment } from '../../src/plan/index.ts';
import { formatDiagnostic, loadSpecFile, place } from '../../src/spec/index.ts';

const examples = join(import.meta.dirname, '..', '..', 'examples');
const names = readdirSync(examples).filter((n) => !n.startsWith('.'));

describe('every example validates and plans', () => {
  it('has the examples the seeds describe', () => {
    for (const n of ['demo', 'beryl3', 'arch-host', 'gw2', 'robson-k8s']) assert.ok(names.includes(n), n);
  });

  for (const name of names) {
    it(name, () => {
      const r = loadSpecFile(join(examples, name, 'staging.yaml'), {});
      assert.ok(r.spec, r.diagnostics.map(formatDiagnostic).join('\n'));
      const plan = planEnvironment(r.spec);
      const errors = place(plan.diagnostics, r.source).filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map(formatDiagnostic), []);
      for (const p of r.spec.projects) {
        const a = plan.allocations[p.name];
        assert.ok(a, `${p.name} has allocations`);
        assert.ok(Object.keys(a.addresses).length >= p.services.length);
      }
      const matrix = isolationMatrix(r.spec);
      assert.ok(matrix.some((e) => e.allowed));
      if (r.spec.projects.length > 1) assert.ok(matrix.some((e) => !e.allowed && e.from.endsWith('/*')));
    });
  }

  /** The figures as the file writes them, converted here without the spec's own unit parsers. */
  const millicores = (v: string | number) =>
    typeof v === 'string' && v.endsWith('m') ? Number(v.slice(0, -1)) : Number(v) * 1000;
  const seconds = (v: string) =>
    Number(v.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[v.slice(-1) as 's']!;

  for (const name of names) {
    it(`${name}: replicas, CPUs, schedules and retention reach the spec as the file writes them`, () => {
      const file = join(examples, name, 'staging.yaml');
      const raw = parse(readFileSync(file, 'utf8'));
      const spec = loadSpecFile(file, {}).spec!;
      let compared = 0;
      const same = (actual: unknown, expected: unknown, what: string) => {
        assert.equal(actual, expected, `${name}: ${what}`);
        compared++;
      };
      for (const p of spec.projects) {
        for (const svc of p.services) {
          const written = raw.projects[p.name].services[svc.name];
          const where = `${p.name}/${svc.name}`;
          if (written.replicas !== undefined && 'replicas' in svc)
            same(svc.replicas, written.replicas, `${where} replicas`);
          if (written.resources?.cpus !== undefined)
            same(svc.resources.cpus.toMillicores(), millicores(written.resources.cpus), `${where} cpus`);
          if (written.schedule !== undefined && 'schedule' in svc)
            same(String(svc.schedule), written.schedule, `${where} schedule`);
        }
      }
      const prometheus = spec.shared.monitoring.prometheus;
      const retention = raw.shared?.monitoring?.prometheus?.retention;
      if (retention !== undefined && prometheus !== false)
        same(prometheus.retention.toSeconds(), seconds(retention), 'prometheus retention');
      assert.ok(compared >= 3, `${name}: only ${compared} figures compared`);
    });
  }
});
