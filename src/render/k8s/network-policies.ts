import type {
  INetworkPolicy,
  INetworkPolicyPeer,
  INetworkPolicyPort,
} from 'kubernetes-models/networking.k8s.io/v1';
import { LABEL } from '../../model/index.ts';
import { metricsPort, projectTargets } from '../../plan/index.ts';
import type { Project, Spec } from '../../spec/index.ts';
import {
  DNS_NAMESPACE,
  DNS_POD,
  ISTIO_GATEWAY_POD,
  ingressNamespace,
  MONITORING_NAMESPACE,
  PROMETHEUS_POD,
  projectLabels,
  projectNamespace,
  selectorLabels,
} from './names.ts';
import { type KubeObject, typed } from './object.ts';

const NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Addresses a project's programs may not reach outside the cluster: private networks (pods,
 * nodes, other tenants) and link-local (the cloud's metadata service). Everything else is the
 * internet, which apps, workers and cron jobs may call.
 */
export const PRIVATE_NETWORKS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
];

/**
 * The isolation matrix (plan/isolation.ts) as NetworkPolicies: everything denied both ways, then
 * the project's own pods to each other, DNS, the internet for programs that run the project's
 * code, the ingress controller to the ports it serves, and Prometheus to the metrics ports. Each
 * allowance is its own policy, named for what it allows.
 */
export function networkPolicies(spec: Spec, project: Project): KubeObject[] {
  const namespace = projectNamespace(spec, project.name);
  const labels = projectLabels(spec, project.name);
  const policy = (name: string, body: INetworkPolicy['spec']) =>
    typed<INetworkPolicy>({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace, labels },
      spec: body,
    });
  const inNamespace = (name: string, pods?: Record<string, string>): INetworkPolicyPeer => ({
    namespaceSelector: { matchLabels: { [NAME_LABEL]: name } },
    ...(pods ? { podSelector: { matchLabels: pods } } : {}),
  });
  const tcp = (ports: number[]): INetworkPolicyPort[] => ports.map((port) => ({ protocol: 'TCP', port }));

  const out: KubeObject[] = [
    policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy('allow-same-project', {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    }),
    policy('allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [inNamespace(DNS_NAMESPACE, DNS_POD)],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    }),
  ];
  if (project.services.some((s) => s.type === 'app' || s.type === 'worker' || s.type === 'cron')) {
    out.push(
      policy('allow-internet', {
        podSelector: {
          matchExpressions: [{ key: LABEL.type, operator: 'In', values: ['app', 'worker', 'cron'] }],
        },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_NETWORKS } }] }],
      }),
    );
  }

  const ingressPeer =
    spec.server.kubernetes.ingress === 'istio'
      ? inNamespace(ingressNamespace(spec), ISTIO_GATEWAY_POD)
      : inNamespace(ingressNamespace(spec));
  const monitoringPeer = inNamespace(MONITORING_NAMESPACE, PROMETHEUS_POD);
  const byService = new Map<string, { proxy: number[]; prometheus: number[] }>();
  const entry = (service: string) => {
    const e = byService.get(service) ?? { proxy: [], prometheus: [] };
    byService.set(service, e);
    return e;
  };
  for (const t of projectTargets(project)) {
    const service = project.services.find(
      (s) => `${project.name}/${s.name}` === t.name || `${project.name}/${s.name}-exporter` === t.name,
    )!;
    const e = entry(service.name);
    if (t.kind === 'app' || t.kind === 'ui') e.proxy.push(t.port);
    const appScraped = t.kind === 'app' && service.type === 'app' && metricsPort(service) === service.port;
    if (
      spec.shared.monitoring.prometheus !== false &&
      (t.kind === 'exporter' || t.kind === 'metrics' || appScraped)
    )
      e.prometheus.push(t.port);
  }
  for (const [service, e] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
    const podSelector = { matchLabels: selectorLabels(project.name, service) };
    const allowances: [string, INetworkPolicyPeer, number[]][] = [
      ['from-ingress', ingressPeer, e.proxy],
      ['from-monitoring', monitoringPeer, e.prometheus],
    ];
    for (const [suffix, peer, ports] of allowances) {
      if (ports.length === 0) continue;
      out.push(
        policy(`${service}-${suffix}`, {
          podSelector,
          policyTypes: ['Ingress'],
          ingress: [{ from: [peer], ports: tcp(ports) }],
        }),
      );
    }
  }
  return out;
}
