import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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

  it('the robson example carries the seed’s figures', () => {
    const spec = loadSpecFile(join(examples, 'robson-k8s', 'staging.yaml'), {}).spec!;
    const robson = spec.projects[0]!;
    const backend = robson.services.find((s) => s.name === 'backend')!;
    assert.equal(backend.replicas, 2);
    assert.equal(backend.resources.cpus.toMillicores(), 500);
    const cron = robson.services.find((s) => s.type === 'cron');
    assert.equal(cron?.type === 'cron' && cron.schedule.toString(), '*/1 * * * *');
    const mq = robson.services.find((s) => s.type === 'rabbitmq');
    assert.ok(mq?.type === 'rabbitmq' && mq.ui);
    assert.equal(
      spec.shared.monitoring.prometheus !== false && spec.shared.monitoring.prometheus.retention.toSeconds(),
      7 * 86400,
    );
  });
});
