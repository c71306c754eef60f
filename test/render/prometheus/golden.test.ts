import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderPrometheus } from '../../../src/render/prometheus/index.ts';
import { assertGoldenRender } from '../../support/render.ts';

describe('Prometheus artifacts: golden files', () => {
  for (const name of ['demo', 'beryl3']) {
    it(`${name}: deterministic, and equal to the golden files (UPDATE_GOLDEN=1 rewrites them)`, () => {
      assertGoldenRender(join(import.meta.dirname, 'golden'), name, renderPrometheus);
    });
  }
});
