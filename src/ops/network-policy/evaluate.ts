import { ipBlockMatchesAddress, ipBlockMatchesPodNetwork, type Truth } from './ip-block.ts';
import { selectorMatches } from './selector.ts';
import type {
  Cluster,
  DirectionVerdict,
  Endpoint,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Pod,
  Protocol,
  Traffic,
  TrafficVerdict,
  Verdict,
} from './types.ts';

/**
 * Kubernetes NetworkPolicy semantics, evaluated offline: traffic passes when the source's egress
 * and the destination's ingress both allow it. A pod no policy selects for a direction is open in
 * that direction; once selected, only what some rule of some selecting policy admits passes (the
 * policies add up, none subtracts). Pod addresses are usually unknown: see ip-block.ts for how an
 * ipBlock decides then.
 */
export function evaluateTraffic(cluster: Cluster, traffic: Traffic): TrafficVerdict {
  const protocol = traffic.protocol ?? 'TCP';
  const ingress = isPod(traffic.to)
    ? direction(cluster, 'Ingress', traffic.to, traffic.from, traffic.port, protocol)
    : open();
  const egress = isPod(traffic.from)
    ? direction(cluster, 'Egress', traffic.from, traffic.to, traffic.port, protocol)
    : open();
  return {
    verdict: toVerdict(both(fromVerdict(ingress.verdict), fromVerdict(egress.verdict))),
    ingress,
    egress,
  };
}

export function isPod(e: Endpoint): e is Pod {
  return 'namespace' in e;
}

/** Whether the policy governs this direction: `policyTypes` when given, else Ingress always and Egress when it has egress rules. */
export function policyAffects(policy: NetworkPolicy, kind: 'Ingress' | 'Egress'): boolean {
  const types = policy.spec.policyTypes;
  if (types) return types.includes(kind);
  return kind === 'Ingress' || (policy.spec.egress?.length ?? 0) > 0;
}

const open = (): DirectionVerdict => ({ verdict: 'allow', isolatedBy: [], allowedBy: [] });
const policyName = (p: NetworkPolicy) => `${namespaceOf(p)}/${p.metadata.name}`;
const namespaceOf = (p: NetworkPolicy) => p.metadata.namespace ?? 'default';

function direction(
  cluster: Cluster,
  kind: 'Ingress' | 'Egress',
  subject: Pod,
  other: Endpoint,
  port: number,
  protocol: Protocol,
): DirectionVerdict {
  const selecting = cluster.policies.filter(
    (p) =>
      namespaceOf(p) === subject.namespace &&
      policyAffects(p, kind) &&
      selectorMatches(p.spec.podSelector, subject.labels),
  );
  if (selecting.length === 0) return open();
  const destination = kind === 'Ingress' ? subject : other;
  const answers = selecting.map((policy) => {
    const rules =
      kind === 'Ingress'
        ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
        : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
    return anyOf(
      rules.map((rule) =>
        both(
          rule.peers?.length
            ? anyOf(rule.peers.map((peer) => peerMatches(cluster, peer, namespaceOf(policy), other)))
            : true,
          rule.ports?.length ? rule.ports.some((p) => portMatches(p, port, protocol, destination)) : true,
        ),
      ),
    );
  });
  return {
    verdict: toVerdict(anyOf(answers)),
    isolatedBy: selecting.map(policyName),
    allowedBy: selecting.filter((_, i) => answers[i] === true).map(policyName),
  };
}

/**
 * One peer: an ipBlock alone, or pod and namespace selectors together (both must hold; a missing
 * namespaceSelector means the policy's own namespace, a missing podSelector every pod).
 */
function peerMatches(cluster: Cluster, peer: NetworkPolicyPeer, policyNamespace: string, e: Endpoint): Truth {
  if (peer.ipBlock) {
    if (!isPod(e)) return ipBlockMatchesAddress(peer.ipBlock, e.ip);
    if (e.ip !== undefined) return ipBlockMatchesAddress(peer.ipBlock, e.ip);
    return ipBlockMatchesPodNetwork(peer.ipBlock, cluster.podCidrs ?? ['0.0.0.0/0']);
  }
  if (!isPod(e) || (!peer.podSelector && !peer.namespaceSelector)) return false;
  const namespaceOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, namespaceLabels(cluster, e.namespace))
    : e.namespace === policyNamespace;
  return namespaceOk && (!peer.podSelector || selectorMatches(peer.podSelector, e.labels));
}

/** Every namespace carries `kubernetes.io/metadata.name` (the API server sets it). */
function namespaceLabels(cluster: Cluster, name: string): Record<string, string> {
  const ns = cluster.namespaces.find((n) => n.name === name);
  return { ...ns?.labels, 'kubernetes.io/metadata.name': name };
}

/**
 * A named port is looked up on the destination pod (for ingress the selected pod, for egress the
 * peer): it matches when that pod has a container port of that name, protocol and number.
 */
function portMatches(p: NetworkPolicyPort, port: number, protocol: Protocol, destination: Endpoint): boolean {
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'number') {
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  }
  if (!isPod(destination)) return false;
  return (destination.ports ?? []).some(
    (c) => c.name === p.port && (c.protocol ?? 'TCP') === protocol && c.containerPort === port,
  );
}

function anyOf(values: readonly Truth[]): Truth {
  if (values.includes(true)) return true;
  return values.includes('unknown') ? 'unknown' : false;
}

function both(a: Truth, b: Truth): Truth {
  if (a === false || b === false) return false;
  return a === true && b === true ? true : 'unknown';
}

const toVerdict = (t: Truth): Verdict => (t === 'unknown' ? 'unknown' : t ? 'allow' : 'deny');
const fromVerdict = (v: Verdict): Truth => (v === 'unknown' ? 'unknown' : v === 'allow');
