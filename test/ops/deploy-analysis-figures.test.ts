import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  breaches,
  figuresBetween,
  quantile,
  type Snapshot,
  verdictAtEnd,
} from '../../src/ops/deploy-analysis/figures.ts';
import { bound } from '../../src/ops/deploy-analysis/prometheus.ts';
import type { AnalysisSettings } from '../../src/ops/deploy-analysis/settings.ts';

const settings: AnalysisSettings = {
  windowMs: 15_000,
  window: '15s',
  errorRate: 0.1,
  latencyP95: 2,
  minRequests: 20,
  stepMs: 2000,
};

const snapshot = (
  apps: Record<string, { status: Record<string, number>; buckets: [number, number][] }>,
): Snapshot =>
  new Map(
    Object.entries(apps).map(([s, a]) => [
      s,
      { byStatus: new Map(Object.entries(a.status)), buckets: new Map(a.buckets) },
    ]),
  );

describe('deploy analysis figures', () => {
  it('interpolates the p95 within its bucket as histogram_quantile does', () => {
    // 100 requests: 90 under 0.1s, 10 between 0.1s and 1s; rank 95 is half-way into the second bucket.
    const b = new Map([
      [0.1, 90],
      [1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    assert.equal(quantile(0.95, b), 0.55);
    assert.equal(quantile(0.95, new Map([[Number.POSITIVE_INFINITY, 0]])), null);
    // Everything past the last finite bound: the highest finite bound.
    assert.equal(
      quantile(
        0.95,
        new Map([
          [1, 0],
          [Number.POSITIVE_INFINITY, 10],
        ]),
      ),
      1,
    );
  });

  it("reads Prometheus' +Inf bound", () => {
    assert.equal(bound('+Inf'), Number.POSITIVE_INFINITY);
    assert.equal(bound('0.25'), 0.25);
  });

  it('counts only what grew since the baseline; a series new since then counts whole; a restarted counter counts what it holds', () => {
    const before = snapshot({
      web: { status: { '200': 100, '500': 50 }, buckets: [[Number.POSITIVE_INFINITY, 150]] },
    });
    const now = snapshot({
      web: { status: { '200': 130, '502': 5, '500': 40 }, buckets: [[Number.POSITIVE_INFINITY, 175]] },
    });
    const [web] = figuresBetween(before, now, ['web', 'api']);
    assert.deepEqual(
      { requests: web?.requests, errors: web?.errors },
      { requests: 30 + 5 + 40, errors: 45 },
      '500 went from 50 to 40: mtail restarted, so 40 are new',
    );
    const api = figuresBetween(before, now, ['web', 'api'])[1];
    assert.deepEqual(api, { service: 'api', requests: 0, errors: 0, errorRate: null, latencyP95: null });
  });

  it('judges only apps with minRequests; over either threshold is a breach; none judged is unverified', () => {
    const fig = (requests: number, errors: number, p95: number) => ({
      service: 'web',
      requests,
      errors,
      errorRate: errors / requests,
      latencyP95: p95,
    });
    assert.deepEqual(breaches([fig(10, 9, 5)], settings), [], 'too few requests to judge');
    assert.equal(verdictAtEnd([fig(10, 9, 5)], settings), 'unverified');
    assert.equal(verdictAtEnd([fig(100, 10, 2)], settings), 'verified', 'at the thresholds is within them');
    assert.deepEqual(breaches([fig(100, 11, 0.1)], settings), [
      'web: 11% of 100 requests failed (above 10%)',
    ]);
    assert.deepEqual(breaches([fig(100, 0, 2.5)], settings), ['web: p95 latency 2.5s (above 2s)']);
    assert.equal(verdictAtEnd([fig(100, 0, 2.5)], settings), 'rolled-back');
  });
});
