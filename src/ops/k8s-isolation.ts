import { LABEL } from '../model/index.ts';
import { type IsolationEntry, isolationMatrix, projectTargets } from '../plan/index.ts';
import {
  DNS_NAMESPACE,
  ISTIO_GATEWAY_POD,
  ingressNamespace,
  type KubeObject,
  MONITORING_NAMESPACE,
  PROMETHEUS_POD,
} from '../render/k8s/index.ts';
import type { Spec } from '../spec/index.ts';
import {
  type Cluster,
  type ContainerPort,
  evaluateTraffic,
  type NetworkPolicy,
  type Pod,
  type TrafficVerdict,
} from './network-policy/index.ts';

/**
 * `verify isolation --target k8s`: the rendered NetworkPolicies evaluated offline for every pair
 * and port of the isolation matrix. The shared stack's pods are where the cluster runs them
 * (ingress controller, Prometheus and Grafana in their namespaces, with their usual labels).
 */
export interface PairResult {
  from: string;
  to: string;
  port: number;
  expected: boolean;
  verdict: TrafficVerdict['verdict'] | 'no pod';
  why: string;
  /** The policies that let it through, when it passed. */
  allowedBy: string[];
}

export interface KubernetesIsolationReport {
  pairs: PairResult[];
  differences: PairResult[];
}

/** Where pod addresses come from: the private ranges, as in every cluster we know of. */
const POD_NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

const SHARED_POD_LABELS: Record<string, Record<string, string>> = {
  prometheus: { ...PROMETHEUS_POD },
  grafana: { 'app.kubernetes.io/name': 'grafana' },
  alertmanager: { 'app.kubernetes.io/name': 'alertmanager' },
  loki: { 'app.kubernetes.io/name': 'loki' },
};

function podTemplate(
  o: KubeObject,
):
  | { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { ports?: ContainerPort[] }[] } }
  | undefined {
  const spec = (o as { spec?: Record<string, unknown> }).spec;
  if (!spec) return undefined;
  if (o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'Job') return spec.template as never;
  if (o.kind === 'CronJob')
    return (spec.jobTemplate as { spec?: { template?: never } } | undefined)?.spec?.template;
  return undefined;
}

/** The pods the objects would run (one per workload: replicas share labels and ports), and the shared stack's. */
export function clusterOf(spec: Spec, objects: readonly KubeObject[]): { cluster: Cluster; pods: Pod[] } {
  const pods: Pod[] = [];
  for (const o of objects) {
    const template = podTemplate(o);
    if (!template) continue;
    pods.push({
      namespace: o.metadata?.namespace ?? 'default',
      name: o.metadata?.name ?? '',
      labels: template.metadata?.labels ?? {},
      ports: (template.spec?.containers ?? []).flatMap((c) => c.ports ?? []),
    });
  }
  pods.push(
    spec.server.kubernetes.ingress === 'istio'
      ? { namespace: ingressNamespace(spec), name: 'istio-ingressgateway', labels: { ...ISTIO_GATEWAY_POD } }
      : {
          namespace: ingressNamespace(spec),
          name: 'ingress-nginx-controller',
          labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
        },
  );
  for (const [name, labels] of Object.entries(SHARED_POD_LABELS))
    pods.push({ namespace: MONITORING_NAMESPACE, name, labels });
  const namespaces = [
    ...objects
      .filter((o) => o.kind === 'Namespace')
      .map((o) => ({ name: o.metadata?.name ?? '', labels: o.metadata?.labels ?? {} })),
    ...[ingressNamespace(spec), MONITORING_NAMESPACE, DNS_NAMESPACE].map((name) => ({ name })),
  ];
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as NetworkPolicy[];
  return { cluster: { namespaces, policies, podCidrs: POD_NETWORKS }, pods };
}

/** Checks the objects' NetworkPolicies against the spec's isolation matrix, pair by pair. */
export function checkKubernetesIsolation(
  spec: Spec,
  objects: readonly KubeObject[],
): KubernetesIsolationReport {
  const { cluster, pods } = clusterOf(spec, objects);
  const servicePod = (project: string, service: string) =>
    pods.find(
      (p) =>
        p.labels?.[LABEL.project] === project &&
        p.labels?.[LABEL.service] === service &&
        p.labels?.[LABEL.role] === 'service',
    );
  /** A matrix name to its pod: `p/s`, `p/s-exporter` (a container in s's pod), `shared/<component>`. */
  const podOf = (name: string): Pod | undefined => {
    const [owner, rest] = name.split('/') as [string, string];
    if (owner === 'shared') {
      if (rest === 'proxy') return pods.find((p) => p.namespace === ingressNamespace(spec));
      return pods.find((p) => p.namespace === MONITORING_NAMESPACE && p.name === rest);
    }
    return (
      servicePod(owner, rest) ??
      (rest.endsWith('-exporter') ? servicePod(owner, rest.slice(0, -'-exporter'.length)) : undefined)
    );
  };
  const projectPods = (project: string) =>
    spec.projects.find((p) => p.name === project)?.services.map((s) => `${project}/${s.name}`) ?? [];

  const pairs: PairResult[] = [];
  const judge = (from: string, to: string, port: number, entry: IsolationEntry) => {
    const a = podOf(from);
    const b = podOf(to);
    if (!a || !b) {
      pairs.push({
        from,
        to,
        port,
        expected: entry.allowed,
        verdict: 'no pod',
        why: `no rendered pod for ${a ? to : from}`,
        allowedBy: [],
      });
      return;
    }
    const v = evaluateTraffic(cluster, { from: a, to: b, port });
    pairs.push({
      from,
      to,
      port,
      expected: entry.allowed,
      verdict: v.verdict,
      why: entry.why,
      allowedBy: v.verdict === 'allow' ? [...new Set([...v.egress.allowedBy, ...v.ingress.allowedBy])] : [],
    });
  };
  for (const entry of isolationMatrix(spec)) {
    const sources = entry.from.endsWith('/*') ? projectPods(entry.from.slice(0, -2)) : [entry.from];
    if (entry.to === '*/*') {
      const excluded = entry.except?.slice(0, -2);
      for (const q of spec.projects) {
        if (q.name === excluded) continue;
        for (const t of projectTargets(q)) for (const from of sources) judge(from, t.name, t.port, entry);
      }
    } else if (entry.port !== undefined) {
      for (const from of sources) judge(from, entry.to, entry.port, entry);
    }
  }
  const differences = pairs.filter((p) => p.verdict !== (p.expected ? 'allow' : 'deny'));
  return { pairs, differences };
}

export function describeDifference(p: PairResult): string {
  const want = p.expected ? 'allowed' : 'denied';
  const got =
    p.verdict === 'no pod'
      ? p.why
      : p.verdict === 'unknown'
        ? 'depends on pod addresses (an ipBlock covers part of the pod network)'
        : p.verdict === 'allow'
          ? `the policies allow it (${p.allowedBy.join(', ') || 'no policy isolates it'})`
          : 'the policies deny it';
  return `${p.from} -> ${p.to}:${p.port}: the matrix says ${want} (${p.why}), but ${got}`;
}
