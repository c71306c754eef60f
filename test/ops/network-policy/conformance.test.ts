import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Cluster,
  evaluateTraffic,
  type LabelSelector,
  type NetworkPolicy,
  type NetworkPolicyEgressRule,
  type NetworkPolicyIngressRule,
  type Pod,
  type Protocol,
} from '../../../src/ops/network-policy/index.ts';

/**
 * The truth tables of the Kubernetes NetworkPolicy conformance tests (test/e2e/network/netpol in
 * kubernetes/kubernetes): namespaces x, y, z with pods a, b, c, each serving 80 and 81 on TCP, UDP
 * and SCTP under ports named serve-<port>-<protocol>. Each case starts from "everything reaches
 * everything" and states the pairs that change, as the upstream tests do; a pod to itself is not
 * judged (upstream ignores loopback too, since CNIs differ there).
 */
const NAMESPACES = ['x', 'y', 'z'];
const POD_NAMES = ['a', 'b', 'c'];
const PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];

const pods: Pod[] = NAMESPACES.flatMap((ns, i) =>
  POD_NAMES.map((name, j) => ({
    namespace: ns,
    name,
    labels: { pod: name },
    ip: `10.244.${i}.${j + 10}`,
    ports: [80, 81].flatMap((port) =>
      PROTOCOLS.map((protocol) => ({
        name: `serve-${port}-${protocol.toLowerCase()}`,
        containerPort: port,
        protocol,
      })),
    ),
  })),
);
const pod = (id: string) => pods.find((p) => `${p.namespace}/${p.name}` === id)!;
const namespaces = NAMESPACES.map((name) => ({ name, labels: { ns: name } }));

function policy(
  namespace: string,
  name: string,
  podSelector: LabelSelector,
  rules: { ingress?: NetworkPolicyIngressRule[]; egress?: NetworkPolicyEgressRule[] },
): NetworkPolicy {
  // As upstream's generator: policyTypes lists each direction given (an empty list still isolates).
  const policyTypes: ('Ingress' | 'Egress')[] = [];
  if (rules.ingress) policyTypes.push('Ingress');
  if (rules.egress) policyTypes.push('Egress');
  return { metadata: { name, namespace }, spec: { podSelector, policyTypes, ...rules } };
}

type Expectation = [from: string, to: string, allowed: boolean];

const matches = (pattern: string, id: string) => {
  const [ns, name] = pattern.split('/');
  const [idNs, idName] = id.split('/');
  return (ns === '*' || ns === idNs) && (name === '*' || name === idName);
};

/** Every ordered pair of distinct pods, on one port and protocol, against the expected table. */
function assertTable(
  policies: NetworkPolicy[],
  port: number,
  protocol: Protocol,
  expectations: Expectation[],
): void {
  const cluster: Cluster = { namespaces, policies };
  const wrong: string[] = [];
  for (const from of pods) {
    for (const to of pods) {
      if (from === to) continue;
      const f = `${from.namespace}/${from.name}`;
      const t = `${to.namespace}/${to.name}`;
      let expected = true;
      for (const [pf, pt, allowed] of expectations) if (matches(pf, f) && matches(pt, t)) expected = allowed;
      const got = evaluateTraffic(cluster, { from, to, port, protocol }).verdict;
      if (got !== (expected ? 'allow' : 'deny'))
        wrong.push(`${f} -> ${t} ${port}/${protocol}: ${got}, expected ${expected}`);
    }
  }
  assert.deepEqual(wrong, []);
}

const all: LabelSelector = {};
const podA: LabelSelector = { matchLabels: { pod: 'a' } };
const nsIs = (ns: string): LabelSelector => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });
const notX: LabelSelector = {
  matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }],
};

describe('NetworkPolicy conformance truth tables (kubernetes e2e netpol)', () => {
  it('default-deny-ingress', () => {
    assertTable([policy('x', 'deny-ingress', all, { ingress: [] })], 80, 'TCP', [['*/*', 'x/*', false]]);
  });

  it('default-deny-all', () => {
    assertTable([policy('x', 'deny-all', all, { ingress: [], egress: [] })], 80, 'TCP', [
      ['*/*', 'x/*', false],
      ['x/*', '*/*', false],
    ]);
  });

  it('allows traffic from pods within the namespace by podSelector', () => {
    const p = policy('x', 'x-a-allows-x-b', podA, {
      ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
    });
    assertTable([p], 80, 'TCP', [
      ['*/*', 'x/a', false],
      ['x/b', 'x/a', true],
    ]);
  });

  it('allows ingress to one target over a namespace-wide deny', () => {
    const deny = policy('x', 'deny-all', all, { ingress: [] });
    const allowA = policy('x', 'allow-all-to-a', podA, {
      ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }],
    });
    assertTable([deny, allowA], 80, 'TCP', [
      ['*/*', 'x/*', false],
      ['*/*', 'x/a', true],
    ]);
  });

  it('an empty namespaceSelector admits pods in every namespace', () => {
    const p = policy('x', 'allow-from-another-ns', podA, {
      ingress: [{ from: [{ namespaceSelector: { matchLabels: {} } }] }],
    });
    assertTable([p], 80, 'TCP', []);
  });

  it('namespaceSelector (matchLabels and matchExpressions In) admits only that namespace', () => {
    const byLabels = policy('x', 'by-labels', podA, {
      ingress: [{ from: [{ namespaceSelector: nsIs('y') }] }],
    });
    const byExpression = policy('x', 'by-expression', podA, {
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['y'] }],
              },
            },
          ],
        },
      ],
    });
    for (const p of [byLabels, byExpression]) {
      assertTable([p], 80, 'TCP', [
        ['x/*', 'x/a', false],
        ['z/*', 'x/a', false],
      ]);
    }
  });

  it('podSelector with matchExpressions In', () => {
    const p = policy('x', 'x-a-allows-x-b', podA, {
      ingress: [
        { from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] },
      ],
    });
    assertTable([p], 80, 'TCP', [
      ['*/*', 'x/a', false],
      ['x/b', 'x/a', true],
    ]);
  });

  it('two peers are OR: namespace NotIn x, or pod b', () => {
    const p = policy('x', 'ns-or-pod', podA, {
      ingress: [{ from: [{ namespaceSelector: notX }, { podSelector: { matchLabels: { pod: 'b' } } }] }],
    });
    assertTable([p], 80, 'TCP', [['x/c', 'x/a', false]]);
  });

  it('pod and namespace selectors in one peer are AND', () => {
    const p = policy('x', 'ns-and-pod', podA, {
      ingress: [{ from: [{ namespaceSelector: notX, podSelector: { matchLabels: { pod: 'b' } } }] }],
    });
    assertTable([p], 80, 'TCP', [
      ['*/*', 'x/a', false],
      ['y/b', 'x/a', true],
      ['z/b', 'x/a', true],
    ]);
  });

  it('multiple pod values and namespace NotIn in one peer', () => {
    const p = policy('x', 'ns-not-x-pod-b-c', podA, {
      ingress: [
        {
          from: [
            {
              namespaceSelector: notX,
              podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] },
            },
          ],
        },
      ],
    });
    assertTable([p], 80, 'TCP', [
      ['*/*', 'x/a', false],
      ['y/b', 'x/a', true],
      ['y/c', 'x/a', true],
      ['z/b', 'x/a', true],
      ['z/c', 'x/a', true],
    ]);
  });

  it('any of several podSelectors', () => {
    const p = policy('x', 'pod-b-or-c', podA, {
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: { pod: 'b' } } },
            { podSelector: { matchLabels: { pod: 'c' } } },
          ],
        },
      ],
    });
    assertTable([p], 80, 'TCP', [
      ['*/*', 'x/a', false],
      ['x/b', 'x/a', true],
      ['x/c', 'x/a', true],
    ]);
  });

  it('only a pod in a different namespace (namespace y AND pod a)', () => {
    const p = policy('x', 'y-a-only', podA, {
      ingress: [{ from: [{ namespaceSelector: nsIs('y'), podSelector: podA }] }],
    });
    assertTable([p], 80, 'TCP', [
      ['*/*', 'x/a', false],
      ['y/a', 'x/a', true],
    ]);
  });

  it('ports: namespace y on 81 only; stacked policies add port 80', () => {
    const only81 = policy('x', 'allow-81', podA, {
      ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 81, protocol: 'TCP' }] }],
    });
    const yOnly: Expectation[] = [
      ['*/*', 'x/a', false],
      ['y/*', 'x/a', true],
    ];
    assertTable([only81], 81, 'TCP', yOnly);
    assertTable([only81], 80, 'TCP', [['*/*', 'x/a', false]]);
    const add80 = policy('x', 'allow-80', podA, {
      ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 80, protocol: 'TCP' }] }],
    });
    assertTable([only81, add80], 80, 'TCP', yOnly);
  });

  it('allow-all ingress (one empty rule)', () => {
    const p = policy('x', 'allow-all', all, { ingress: [{}] });
    assertTable([p], 80, 'TCP', []);
    assertTable([p], 81, 'TCP', []);
  });

  it('ingress on one named port', () => {
    const p = policy('x', 'allow-81-by-name', all, { ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] });
    assertTable([p], 81, 'TCP', []);
    assertTable([p], 80, 'TCP', [['*/*', 'x/*', false]]);
  });

  it('ingress from a namespace on one named port', () => {
    const p = policy('x', 'y-on-80-by-name', podA, {
      ingress: [
        { from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] },
      ],
    });
    assertTable([p], 80, 'TCP', [
      ['x/*', 'x/a', false],
      ['z/*', 'x/a', false],
    ]);
    assertTable([p], 81, 'TCP', [['*/*', 'x/a', false]]);
  });

  it('egress on one named port (looked up on the destination)', () => {
    const p = policy('x', 'allow-egress', all, { egress: [{ ports: [{ port: 'serve-80-tcp' }] }] });
    assertTable([p], 80, 'TCP', []);
    assertTable([p], 81, 'TCP', [['x/*', '*/*', false]]);
  });

  it('a rule for TCP does not admit UDP', () => {
    const p = policy('x', 'allow-ingress-by-proto', podA, {
      ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }],
    });
    assertTable([p], 80, 'TCP', []);
    assertTable([p], 80, 'UDP', [['*/*', 'x/a', false]]);
  });

  it('an allow-all ingress policy takes precedence over a narrower one', () => {
    const only80 = policy('x', 'allow-ingress-port-80', all, { ingress: [{ ports: [{ port: 80 }] }] });
    assertTable([only80], 81, 'TCP', [['*/*', 'x/*', false]]);
    assertTable([only80, policy('x', 'allow-ingress', all, { ingress: [{}] })], 81, 'TCP', []);
  });

  it('an allow-all egress policy takes precedence over a narrower one', () => {
    const only80 = policy('x', 'allow-egress-port-80', all, { egress: [{ ports: [{ port: 80 }] }] });
    assertTable([only80], 81, 'TCP', [['x/*', '*/*', false]]);
    assertTable([only80, policy('x', 'allow-egress', all, { egress: [{}] })], 81, 'TCP', []);
  });

  it('egress to a server by CIDR', () => {
    const p = policy('x', 'egress-cidr', podA, {
      egress: [{ to: [{ ipBlock: { cidr: `${pod('y/b').ip}/32` } }] }],
    });
    assertTable([p], 80, 'TCP', [
      ['x/a', '*/*', false],
      ['x/a', 'y/b', true],
    ]);
  });

  it('the except clause of a CIDR', () => {
    const p = policy('x', 'egress-cidr-except', podA, {
      egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: [`${pod('x/b').ip}/32`] } }] }],
    });
    assertTable([p], 80, 'TCP', [['x/a', 'x/b', false]]);
  });

  it('an address in the except of one policy is still allowed by another policy', () => {
    const excepting = policy('x', 'egress-cidr-except', podA, {
      egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: [`${pod('x/b').ip}/32`] } }] }],
    });
    const allowing = policy('x', 'egress-to-b', podA, {
      egress: [{ to: [{ ipBlock: { cidr: `${pod('x/b').ip}/32` } }] }],
    });
    assertTable([excepting, allowing], 80, 'TCP', []);
  });

  it('ingress and egress are controlled independently', () => {
    const egressAll = policy('x', 'allow-egress-for-target', podA, { egress: [{}] });
    assertTable([egressAll], 80, 'TCP', []);
    const denyIngress = policy('x', 'deny-ingress', podA, { ingress: [] });
    assertTable([egressAll, denyIngress], 80, 'TCP', [['*/*', 'x/a', false]]);
  });

  it('an SCTP rule is never read as TCP', () => {
    const deny = policy('x', 'deny-ingress', all, { ingress: [] });
    const sctp = policy('x', 'allow-only-sctp', podA, {
      ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }],
    });
    assertTable([deny, sctp], 81, 'TCP', [['*/*', 'x/*', false]]);
    assertTable([deny, sctp], 81, 'SCTP', [
      ['*/*', 'x/*', false],
      ['*/*', 'x/a', true],
    ]);
  });
});

describe('NetworkPolicy cases of cyclonus (pkg/matcher policy tests)', () => {
  const cluster = (policies: NetworkPolicy[]): Cluster => ({ namespaces, policies });
  const bare = (namespace: string, ip: string): Pod => ({ namespace, name: 'p', ip });

  it('allowing a protocol implicitly denies the others, from pods and from outside', () => {
    const sctpAll: NetworkPolicy = {
      metadata: { name: 'policy-207', namespace: 'x' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'SCTP' }] }] },
    };
    const to = bare('x', '1.2.3.5');
    for (const from of [bare('y', '1.2.3.4'), { ip: '1.2.3.4' }]) {
      assert.equal(
        evaluateTraffic(cluster([sctpAll]), { from, to, port: 103, protocol: 'TCP' }).verdict,
        'deny',
      );
      assert.equal(
        evaluateTraffic(cluster([sctpAll]), { from, to, port: 103, protocol: 'SCTP' }).verdict,
        'allow',
      );
    }
  });

  it('egress to an ipBlock whose CIDR has host bits set covers its whole network', () => {
    const p: NetworkPolicy = {
      metadata: { name: 'vary-egress-37-0-0-0-19', namespace: 'x' },
      spec: {
        podSelector: podA,
        policyTypes: ['Egress'],
        egress: [
          {
            ports: [{ port: 80, protocol: 'TCP' }],
            to: [{ podSelector: {} }, { ipBlock: { cidr: '192.168.242.213/24' } }],
          },
          { ports: [{ port: 53, protocol: 'UDP' }] },
        ],
      },
    };
    const from: Pod = { namespace: 'x', name: 'a', labels: { pod: 'a' }, ip: '1.2.3.4' };
    const to: Pod = { namespace: 'y', name: 'b', labels: { pod: 'b' }, ip: '192.168.242.249' };
    assert.equal(evaluateTraffic(cluster([p]), { from, to, port: 80, protocol: 'TCP' }).verdict, 'allow');
    assert.equal(evaluateTraffic(cluster([p]), { from, to, port: 81, protocol: 'TCP' }).verdict, 'deny');
    assert.equal(
      evaluateTraffic(cluster([p]), { from, to: { ip: '8.8.8.8' }, port: 53, protocol: 'UDP' }).verdict,
      'allow',
    );
  });

  it('ingress to a named port from outside the cluster', () => {
    const p: NetworkPolicy = {
      metadata: { name: 'abc', namespace: 'x' },
      spec: {
        podSelector: podA,
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ port: 'port-hello', protocol: 'TCP' }] }],
      },
    };
    const to: Pod = {
      namespace: 'x',
      name: 'a',
      labels: { pod: 'a' },
      ports: [{ name: 'port-hello', containerPort: 8080 }],
    };
    assert.equal(evaluateTraffic(cluster([p]), { from: { ip: '1.2.3.4' }, to, port: 8080 }).verdict, 'allow');
    assert.equal(evaluateTraffic(cluster([p]), { from: { ip: '1.2.3.4' }, to, port: 8081 }).verdict, 'deny');
  });
});
