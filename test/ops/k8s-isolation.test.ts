import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkKubernetesIsolation, describeDifference } from '../../src/ops/k8s-isolation.ts';
import { type KubeObject, kubernetesFiles } from '../../src/render/k8s/index.ts';
import { EXAMPLE_NAMES, exampleContext } from '../support/render.ts';

const rendered = (name: string) => {
  const ctx = exampleContext(name);
  return { spec: ctx.spec, objects: kubernetesFiles(ctx).flatMap(([, o]) => o) };
};

const specOf = (o: KubeObject) => (o as unknown as { spec: object }).spec;

describe('the rendered NetworkPolicies against the isolation matrix', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: every pair and port as the matrix says`, () => {
      const { spec, objects } = rendered(name);
      const report = checkKubernetesIsolation(spec, objects);
      assert.ok(report.pairs.length > 20, `${report.pairs.length} pairs`);
      assert.ok(report.pairs.some((p) => !p.expected) && report.pairs.some((p) => p.expected));
      assert.deepEqual(report.differences.map(describeDifference), []);
    });
  }

  it('a same-project policy that says "any namespace" opens the other projects and the shared admin ports', () => {
    const { spec, objects } = rendered('demo');
    const loose = objects.map((o): KubeObject => {
      if (o.kind !== 'NetworkPolicy' || o.metadata?.name !== 'allow-same-project') return o;
      const anyNamespace = [{ namespaceSelector: {} }];
      return {
        ...o,
        spec: { ...specOf(o), ingress: [{ from: anyNamespace }], egress: [{ to: anyNamespace }] },
      } as KubeObject;
    });
    const differences = checkKubernetesIsolation(spec, loose).differences;
    assert.ok(
      differences.some((d) => d.from.startsWith('shop/') && d.to.startsWith('blog/')),
      'shop reaches blog',
    );
    assert.ok(
      differences.some((d) => d.to === 'shared/alertmanager'),
      'a project reaches Alertmanager',
    );
    assert.ok(differences.every((d) => !d.expected && d.verdict === 'allow'));
  });

  it('an internet rule that takes in the pod network cannot be proven either way', () => {
    const { spec, objects } = rendered('demo');
    const loose = objects.map(
      (o): KubeObject =>
        o.kind === 'NetworkPolicy' && o.metadata?.name === 'allow-internet'
          ? ({
              ...o,
              spec: { ...specOf(o), egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/9' } }] }] },
            } as KubeObject)
          : o,
    );
    const differences = checkKubernetesIsolation(spec, loose).differences;
    assert.ok(differences.length > 0);
    assert.ok(
      differences.every((d) => d.verdict === 'unknown'),
      differences.map(describeDifference).join('\n'),
    );
    assert.match(describeDifference(differences[0]!), /depends on pod addresses/);
  });
});
