import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import type { Project, Spec } from '../../spec/index.ts';
import { projectLabels, projectNamespace, secretsName } from './names.ts';
import { type KubeObject, typed } from './object.ts';

/**
 * With `secrets: { external: STORE }`, the project's Secret comes from an ExternalSecret that names
 * the store and one remote key per secret (`<environment>/<project>/<NAME>`); with `manual` nothing
 * is rendered and the operator creates `<project>-secrets` with these keys. No value is rendered.
 */
export function secretObjects(spec: Spec, project: Project, keys: readonly string[]): KubeObject[] {
  const mode = spec.server.kubernetes.secrets;
  if (mode === 'manual' || keys.length === 0) return [];
  const name = secretsName(project.name);
  return [
    typed<IExternalSecret>({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        name,
        namespace: projectNamespace(spec, project.name),
        labels: projectLabels(spec, project.name),
      },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { name: mode.external, kind: 'ClusterSecretStore' },
        target: { name, creationPolicy: 'Owner' },
        data: [...new Set(keys)].sort().map((key) => ({
          secretKey: key,
          remoteRef: { key: `${spec.environment}/${project.name}/${key}` },
        })),
      },
    }),
  ];
}
