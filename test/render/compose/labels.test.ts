import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { projectComposeDoc } from '../../../src/render/compose/project.ts';
import { LABEL } from '../../../src/render/index.ts';
import { exampleContext } from '../../support/render.ts';

/** The driver owns, lists, logs and removes only what carries these labels: every container must. */
describe('every container of every project carries the ownership labels', () => {
  for (const example of ['demo', 'beryl3', 'arch-host', 'gw2', 'robson-k8s']) {
    it(example, () => {
      const ctx = exampleContext(example);
      let seen = 0;
      for (const p of ctx.spec.projects) {
        const doc = projectComposeDoc(ctx, p);
        for (const [key, svc] of Object.entries(doc?.services ?? {})) {
          const labels = svc.labels as Record<string, string>;
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
