/**
 * The parts of Kubernetes objects the NetworkPolicy evaluator reads, in their API shape, so a
 * rendered manifest parsed from YAML is accepted as it is.
 */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface NetworkPolicyPort {
  protocol?: Protocol;
  port?: number | string;
  endPort?: number;
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicy {
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: NetworkPolicyIngressRule[];
    egress?: NetworkPolicyEgressRule[];
  };
}

export interface Namespace {
  name: string;
  labels?: Record<string, string>;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
}

export interface Pod {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  ports?: ContainerPort[];
  /** The pod's address when known; pods are scheduled later, so usually it is not. */
  ip?: string;
}

/** Something outside the cluster's pods, known only by its address. */
export interface External {
  ip: string;
}

export type Endpoint = Pod | External;

export interface Traffic {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: Protocol;
}

/**
 * The cluster as the evaluator sees it. `podCidrs` is where pod addresses come from (the cluster's
 * pod network); with it an ipBlock that covers or misses the whole pod network decides for pods
 * whose address is unknown.
 */
export interface Cluster {
  namespaces: readonly Namespace[];
  policies: readonly NetworkPolicy[];
  podCidrs?: readonly string[];
}

/** `unknown`: the answer depends on a pod address nobody knows yet (an ipBlock that covers part of the pod network). */
export type Verdict = 'allow' | 'deny' | 'unknown';

export interface DirectionVerdict {
  verdict: Verdict;
  /** `namespace/name` of the policies that select the pod for this direction; none means not isolated. */
  isolatedBy: string[];
  /** The policies among them whose rules admit the traffic. */
  allowedBy: string[];
}

export interface TrafficVerdict {
  verdict: Verdict;
  ingress: DirectionVerdict;
  egress: DirectionVerdict;
}
