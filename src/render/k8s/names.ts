import { LABEL } from '../../model/index.ts';
import type { Project, Service, Spec } from '../../spec/index.ts';

/**
 * Names and labels of the Kubernetes target. Label keys are the compose target's (`LABEL`), so a
 * query or a selector reads the same on both, plus Kubernetes' recommended `app.kubernetes.io/*`.
 */

/** Where the shared components run; the cluster must have them there (README, "Kubernetes"). */
export const MONITORING_NAMESPACE = 'monitoring';
export const ARGOCD_NAMESPACE = 'argocd';
export const DNS_NAMESPACE = 'kube-system';
export const INGRESS_NAMESPACE = { nginx: 'ingress-nginx', istio: 'istio-system' } as const;

/** The labels the cluster's own components carry, which the policies select. */
export const PROMETHEUS_POD = { 'app.kubernetes.io/name': 'prometheus' } as const;
export const DNS_POD = { 'k8s-app': 'kube-dns' } as const;
export const ISTIO_GATEWAY_POD = { istio: 'ingressgateway' } as const;

/** What the recommended labels call the tool that manages the objects. */
export const MANAGED_BY = 'stagecraft';

/** One namespace per project and environment: `robson-staging`, so staging and production never share one. */
export function projectNamespace(spec: Spec, project: string): string {
  return `${project}-${spec.environment}`;
}

export function ingressNamespace(spec: Spec): string {
  return INGRESS_NAMESPACE[spec.server.kubernetes.ingress];
}

/** The Secret every secret reference of a project points at (created by the operator, or by an ExternalSecret). */
export function secretsName(project: string): string {
  return `${project}-secrets`;
}

export function tlsSecretName(project: string): string {
  return `${project}-tls`;
}

export type PodRole = 'service' | 'release' | 'backup';

/** The labels that pick a service's pods: what Services, PodDisruptionBudgets and policies select. */
export function selectorLabels(
  project: string,
  service: string,
  role: PodRole = 'service',
): Record<string, string> {
  return { [LABEL.project]: project, [LABEL.service]: service, [LABEL.role]: role };
}

/** Every label of a service's objects and pods. */
export function objectLabels(
  spec: Spec,
  project: Project,
  s: Service,
  role: PodRole = 'service',
): Record<string, string> {
  return {
    'app.kubernetes.io/name': s.name,
    'app.kubernetes.io/instance': `${project.name}-${s.name}`,
    'app.kubernetes.io/component': role === 'service' ? s.type : role,
    'app.kubernetes.io/part-of': project.name,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [LABEL.environment]: spec.environment,
    [LABEL.type]: s.type,
    ...selectorLabels(project.name, s.name, role),
  };
}

/** Labels of a project's own objects that belong to no one service (Namespace, policies, quota). */
export function projectLabels(spec: Spec, project: string): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': project,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [LABEL.environment]: spec.environment,
    [LABEL.project]: project,
  };
}

export function sharedLabels(spec: Spec): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': 'stagecraft-shared',
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [LABEL.environment]: spec.environment,
  };
}
