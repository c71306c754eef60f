import type { IApplication, IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import type { Spec } from '../../spec/index.ts';
import {
  ARGOCD_NAMESPACE,
  INGRESS_NAMESPACE,
  MONITORING_NAMESPACE,
  projectNamespace,
  sharedLabels,
} from './names.ts';
import { type KubeObject, typed } from './object.ts';

const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Where the kustomize tree sits in the GitOps repository. */
export function repoPath(spec: Spec, path: string): string {
  const root = spec.server.kubernetes.gitops?.path.replace(/^\/+|\/+$/g, '') ?? '';
  return root ? `${root}/${path}` : path;
}

/**
 * An AppProject per environment that may deploy only to this environment's namespaces (so staging
 * can never touch production's), and an Application per project plus one for the shared objects,
 * each synced automatically, pruning and healing drift.
 */
export function argocdObjects(spec: Spec): KubeObject[] {
  const gitops = spec.server.kubernetes.gitops;
  if (!gitops) return [];
  const labels = sharedLabels(spec);
  const env = spec.environment;
  const namespaces = [
    ...spec.projects.map((p) => projectNamespace(spec, p.name)),
    MONITORING_NAMESPACE,
    ...(spec.server.kubernetes.ingress === 'istio' ? [INGRESS_NAMESPACE.istio] : []),
  ];
  const application = (name: string, path: string, namespace: string) =>
    typed<IApplication>({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: ARGOCD_NAMESPACE, labels },
      spec: {
        project: env,
        source: { repoURL: gitops.repo, targetRevision: gitops.branch, path: repoPath(spec, path) },
        destination: { server: IN_CLUSTER, namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['PruneLast=true'] },
      },
    });
  return [
    typed<IAppProject>({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: env, namespace: ARGOCD_NAMESPACE, labels },
      spec: {
        sourceRepos: [gitops.repo],
        destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
        clusterResourceWhitelist: [
          { group: '', kind: 'Namespace' },
          { group: 'cert-manager.io', kind: 'ClusterIssuer' },
        ],
      },
    }),
    application(`shared-${env}`, `overlays/${env}/shared`, MONITORING_NAMESPACE),
    ...spec.projects.map((p) =>
      application(`${p.name}-${env}`, `overlays/${env}/projects/${p.name}`, projectNamespace(spec, p.name)),
    ),
  ];
}

/**
 * Argo CD applies a sync in waves, each healthy before the next: what every pod needs first (the
 * namespace, its policies, quota and secrets), then the data services, then the release step (a
 * Sync hook: a PreSync hook would run before the very first database exists and block that sync
 * forever), then the apps and workers.
 */
export function syncWave(o: KubeObject): number | undefined {
  switch (o.kind) {
    case 'Namespace':
    case 'NetworkPolicy':
    case 'ResourceQuota':
    case 'LimitRange':
    case 'ExternalSecret':
      return -2;
    case 'StatefulSet':
      return -1;
    case 'Service':
      return (o as { spec?: { clusterIP?: string } }).spec?.clusterIP === 'None' ? -1 : undefined;
    case 'Job':
      return 0;
    case 'Deployment':
      return 1;
    default:
      return undefined;
  }
}

export function withSyncWave(o: KubeObject): KubeObject {
  const wave = syncWave(o);
  if (wave === undefined) return o;
  return {
    ...o,
    metadata: {
      ...o.metadata,
      annotations: { ...o.metadata?.annotations, 'argocd.argoproj.io/sync-wave': String(wave) },
    },
  };
}
