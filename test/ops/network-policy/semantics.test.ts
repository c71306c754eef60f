import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Cluster,
  evaluateTraffic,
  type NetworkPolicy,
  type Pod,
} from '../../../src/ops/network-policy/index.ts';

/** The API reference's rules that the conformance tables do not reach. */
const a: Pod = {
  namespace: 'x',
  name: 'a',
  labels: { app: 'a' },
  ports: [{ containerPort: 8080, name: 'http' }],
};
const b: Pod = { namespace: 'x', name: 'b', labels: { app: 'b' }, ports: [{ containerPort: 5432 }] };
const cluster = (policies: NetworkPolicy[], podCidrs?: string[]): Cluster => ({
  namespaces: [{ name: 'x' }],
  policies,
  ...(podCidrs ? { podCidrs } : {}),
});
const np = (spec: NetworkPolicy['spec']): NetworkPolicy => ({
  metadata: { name: 'p', namespace: 'x' },
  spec,
});

describe('NetworkPolicy semantics', () => {
  it('without policyTypes, egress is governed only when egress rules are present', () => {
    const emptyEgress = np({ podSelector: {}, egress: [] });
    assert.equal(
      evaluateTraffic(cluster([emptyEgress]), { from: a, to: { ip: '9.9.9.9' }, port: 443 }).verdict,
      'allow',
    );
    // ...but Ingress is implied, with no rules: a is now closed to b.
    assert.equal(evaluateTraffic(cluster([emptyEgress]), { from: b, to: a, port: 8080 }).verdict, 'deny');
    const someEgress = np({
      podSelector: {},
      ingress: [{}],
      egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }],
    });
    const v = evaluateTraffic(cluster([someEgress]), { from: a, to: b, port: 5432 });
    assert.equal(v.verdict, 'deny');
    assert.deepEqual(v.egress.isolatedBy, ['x/p']);
    assert.equal(v.ingress.verdict, 'allow');
  });

  it('an empty from list admits every source, like an absent one', () => {
    const p = np({
      podSelector: { matchLabels: { app: 'a' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [] }],
    });
    assert.equal(evaluateTraffic(cluster([p]), { from: b, to: a, port: 8080 }).verdict, 'allow');
    assert.equal(
      evaluateTraffic(cluster([p]), { from: { ip: '9.9.9.9' }, to: a, port: 8080 }).verdict,
      'allow',
    );
  });

  it('endPort makes a range, both ends included', () => {
    const p = np({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 5000, endPort: 5432 }] }],
    });
    for (const [port, verdict] of [
      [4999, 'deny'],
      [5000, 'allow'],
      [5432, 'allow'],
      [5433, 'deny'],
    ] as const) {
      assert.equal(evaluateTraffic(cluster([p]), { from: a, to: b, port }).verdict, verdict, String(port));
    }
  });

  it('a named port the destination does not have matches nothing', () => {
    const p = np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'http' }] }] });
    assert.equal(evaluateTraffic(cluster([p]), { from: b, to: a, port: 8080 }).verdict, 'allow');
    assert.equal(evaluateTraffic(cluster([p]), { from: a, to: b, port: 5432 }).verdict, 'deny');
  });

  it('an egress named port is looked up on the destination, not on the pod the policy selects', () => {
    const p = np({
      podSelector: { matchLabels: { app: 'b' } },
      policyTypes: ['Egress'],
      egress: [{ ports: [{ port: 'http' }] }],
    });
    assert.equal(evaluateTraffic(cluster([p]), { from: b, to: a, port: 8080 }).verdict, 'allow');
    assert.equal(
      evaluateTraffic(cluster([p]), { from: b, to: { ip: '9.9.9.9' }, port: 8080 }).verdict,
      'deny',
    );
  });

  it('Exists and DoesNotExist', () => {
    const p = np({
      podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] } }] },
      ],
    });
    const tiered: Pod = { ...b, name: 't', labels: { app: 'b', tier: 'web' } };
    assert.equal(evaluateTraffic(cluster([p]), { from: b, to: a, port: 8080 }).verdict, 'allow');
    assert.equal(evaluateTraffic(cluster([p]), { from: tiered, to: a, port: 8080 }).verdict, 'deny');
  });

  it('ipBlocks against pods whose address is unknown decide by the pod network', () => {
    const egressTo = (cidr: string, except?: string[]) =>
      np({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr, ...(except ? { except } : {}) } }] }],
      });
    const verdict = (p: NetworkPolicy, podCidrs?: string[]) =>
      evaluateTraffic(cluster([p], podCidrs), { from: a, to: b, port: 5432 }).verdict;
    assert.equal(verdict(egressTo('0.0.0.0/0')), 'allow');
    assert.equal(verdict(egressTo('10.0.0.0/8')), 'unknown');
    assert.equal(verdict(egressTo('10.0.0.0/8'), ['10.244.0.0/16']), 'allow');
    assert.equal(verdict(egressTo('192.168.0.0/16'), ['10.244.0.0/16']), 'deny');
    assert.equal(verdict(egressTo('10.244.1.0/24'), ['10.244.0.0/16']), 'unknown');
    assert.equal(verdict(egressTo('0.0.0.0/0', ['10.0.0.0/8']), ['10.244.0.0/16']), 'deny');
  });
});
