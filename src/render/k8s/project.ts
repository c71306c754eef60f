import type { INamespace } from 'kubernetes-models/v1';
import type { Project, Spec } from '../../spec/index.ts';
import { withSyncWave } from './argocd.ts';
import { alertmanagerConfig } from './monitoring.ts';
import { projectLabels, projectNamespace } from './names.ts';
import { networkPolicies } from './network-policies.ts';
import { type KubeObject, typed } from './object.ts';
import { secretKeysOf, serviceEnvironment } from './pod.ts';
import { quotaObjects } from './quota.ts';
import { routeObjects } from './routes.ts';
import { secretObjects } from './secrets.ts';
import { serviceObjects } from './workloads.ts';

/** A project's objects by the file they go in (`base/projects/<p>/<file>.yaml`), in a stable order. */
export function projectFiles(spec: Spec, project: Project): [string, KubeObject[]][] {
  const namespace = typed<INamespace>({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: projectNamespace(spec, project.name),
      labels: {
        ...projectLabels(spec, project.name),
        // Every pod we render meets the restricted Pod Security Standard; the namespace enforces it.
        'pod-security.kubernetes.io/enforce': 'restricted',
      },
    },
  });
  const alerts = alertmanagerConfig(spec, project);
  const secretKeys = [
    ...project.services.flatMap((s) => secretKeysOf(serviceEnvironment(spec, project, s))),
    ...alerts.secretKeys,
  ];
  const files: [string, KubeObject[]][] = [
    ['namespace', [namespace]],
    ['network-policies', networkPolicies(spec, project)],
    ['quota', quotaObjects(spec, project)],
    ...project.services.map((s): [string, KubeObject[]] => [
      `service-${s.name}`,
      serviceObjects(spec, project, s),
    ]),
    ['routes', routeObjects(spec, project)],
    ['secrets', secretObjects(spec, project, secretKeys)],
    ['alertmanager-config', alerts.objects],
  ];
  return files
    .filter(([, objects]) => objects.length > 0)
    .map(([name, objects]): [string, KubeObject[]] => [name, objects.map(withSyncWave)]);
}
