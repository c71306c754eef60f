import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL, parseProbe } from '../../../src/model/index.ts';
import { projectStack } from '../../../src/render/index.ts';
import { exampleContext } from '../../support/render.ts';

/** The driver owns, lists, logs and removes only what carries these labels: every container must. */
describe('every container of every project carries the ownership labels', () => {
  for (const example of ['demo', 'beryl3', 'arch-host', 'gw2', 'robson-k8s']) {
    it(example, () => {
      const ctx = exampleContext(example);
      let seen = 0;
      for (const p of ctx.spec.projects) {
        for (const { key, labels } of projectStack(ctx, p)?.containers ?? []) {
          assert.equal(labels[LABEL.environment], ctx.spec.environment, `${p.name}/${key}`);
          assert.equal(labels[LABEL.project], p.name, `${p.name}/${key}`);
          assert.ok(labels[LABEL.service], `${p.name}/${key} has a service label`);
          seen++;
        }
      }
      assert.ok(seen > 0);
    });
  }
});

/** `up`'s health gate asks each app and data service itself; the label says how (model/probe.ts). */
describe('apps and data services carry a readiness probe for their own port and protocol', () => {
  const data: Record<string, object> = {
    postgres: { kind: 'postgres', port: 5432 },
    redis: { kind: 'redis', port: 6379 },
    rabbitmq: { kind: 'amqp', port: 5672 },
  };
  for (const example of ['demo', 'beryl3', 'gw2']) {
    it(example, () => {
      const ctx = exampleContext(example);
      let probed = 0;
      for (const p of ctx.spec.projects) {
        for (const { key, labels } of projectStack(ctx, p)?.containers ?? []) {
          const probe = parseProbe(labels[LABEL.probe]);
          const service = p.services.find((s) => s.name === labels[LABEL.service])!;
          const probes = service.type === 'app' || service.type in data;
          if (labels[LABEL.role] !== 'service' || !probes) {
            assert.equal(probe, undefined, `${p.name}/${key} has no probe`);
            continue;
          }
          assert.ok(probe, `${p.name}/${key} has a probe`);
          if (service.type === 'app') {
            assert.deepEqual(probe, { kind: 'http', port: service.port, path: service.health.path });
          } else {
            assert.partialDeepStrictEqual(probe, data[service.type]!);
          }
          probed++;
        }
      }
      assert.ok(probed > 0);
    });
  }
});
