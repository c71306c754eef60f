import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSpecText } from '../../src/spec/index.ts';
import { diagnose, ONE_PROJECT } from './one-project.ts';

const withAnalysis = (analysis: string, shared = '') =>
  ONE_PROJECT.replace('  shop:\n', `  shop:\n    deploy:\n      analysis: ${analysis}\n`) + shared;

const codes = (text: string) => diagnose(text).map((d) => d.code);

describe('deploy.analysis', () => {
  it('takes the example of the contract, with its defaults filled in', () => {
    const r = loadSpecText('staging.yaml', withAnalysis('{ errorRate: 10% }'), {});
    assert.ok(r.spec, r.diagnostics.map((d) => d.message).join('\n'));
    const a = r.spec.projects[0]!.deploy.analysis!;
    assert.equal(String(a.window), '3m');
    assert.equal(a.errorRate?.value, 10);
    assert.equal(a.latencyP95, undefined, 'left to shared.alerts');
    assert.equal(a.minRequests, 20);
    assert.deepEqual(
      codes(withAnalysis('{ window: 3m, errorRate: 10%, latencyP95: 2s, minRequests: 20 }')),
      [],
    );
  });

  it('is off when absent', () => {
    const r = loadSpecText('staging.yaml', ONE_PROJECT, {});
    assert.ok(r.spec);
    assert.equal(r.spec.projects[0]!.deploy.analysis, undefined);
  });

  it('refuses bad values with their codes', () => {
    assert.deepEqual(codes(withAnalysis('{ window: 2s }')), ['SC0309']);
    assert.deepEqual(codes(withAnalysis('{ errorRate: ten }')), ['SC0307']);
    assert.deepEqual(codes(withAnalysis('{ minRequests: 0 }')), ['SC0305']);
    assert.deepEqual(codes(withAnalysis('{ latencyP95: 2 }')), ['SC0307']);
    assert.deepEqual(codes(withAnalysis('{ windows: 3m }')), ['SC0301']);
    assert.deepEqual(codes(withAnalysis('{ errorRate: 0% }')), ['SC0713']);
    assert.deepEqual(codes(withAnalysis('{ errorRate: 100% }')), ['SC0713']);
  });

  it('needs Prometheus, and a window of two scrapes at least', () => {
    const noPrometheus = 'shared:\n  monitoring:\n    prometheus: false\n';
    assert.deepEqual(codes(withAnalysis('{}', noPrometheus)), ['SC0712']);
    const slowScrapes = 'shared:\n  monitoring:\n    prometheus: { scrapeInterval: 1m }\n';
    const [d] = diagnose(withAnalysis('{ window: 90s }', slowScrapes));
    assert.equal(d?.code, 'SC0714');
    assert.match(d!.message, /90s|1m30s/);
    assert.match(d!.hint ?? '', /2m/);
  });
});
