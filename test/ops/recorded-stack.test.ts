import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordedStack } from '../../src/ops/recorded-stack.ts';
import { projectStack } from '../../src/render/index.ts';
import { exampleContext } from '../support/render.ts';
import { sampleStack } from '../support/sample-stack.ts';

describe('the stack a release recorded, read back for rollback', () => {
  it('is the stack that was recorded: the same JSON again, durations, sizes and CPUs as values', () => {
    const ctx = exampleContext('beryl3');
    for (const stack of [sampleStack(), projectStack(ctx, ctx.spec.projects[0]!)!]) {
      const json = JSON.stringify(stack);
      const read = recordedStack(JSON.parse(json));
      assert.ok(read);
      assert.equal(JSON.stringify(read), json, 'so its release hash is the one recorded');
      assert.deepEqual(read, stack);
    }
  });

  it('a compose document, as earlier versions recorded, or a damaged record: nothing to redeploy', () => {
    assert.equal(recordedStack({ services: { web: { image: 'x' } }, networks: {} }), undefined);
    assert.equal(recordedStack(null), undefined);
    const bad = JSON.parse(JSON.stringify(sampleStack()));
    bad.containers[0].healthcheck.interval = 'soon';
    assert.equal(recordedStack(bad), undefined);
  });
});
