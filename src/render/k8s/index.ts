import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { toYaml } from '../yaml.ts';
import { argocdObjects } from './argocd.ts';
import { dashboardConfigMaps, prometheusRule, scrapeObjects } from './monitoring.ts';
import type { KubeObject } from './object.ts';
import { projectFiles } from './project.ts';
import { clusterIssuer } from './routes.ts';

export * from './names.ts';
/** `render --target k8s`: a kustomize tree for GitOps (spec.md, "render --target k8s"). */
export type { KubeObject } from './object.ts';
export { projectQuota } from './quota.ts';

const HEADER = '# Rendered by stagecraft. Edit staging.yaml, not this file.\n';

/** Several objects in one file, as `kubectl` and kustomize read them. */
export function yamlDocuments(objects: readonly KubeObject[]): string {
  return HEADER + objects.map((o) => toYaml(o)).join('---\n');
}

function kustomization(resources: string[]): string {
  return HEADER + toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources });
}

/** Every object by the file it goes in, relative to the output folder. */
export function kubernetesFiles(ctx: RenderContext): [string, KubeObject[]][] {
  const { spec } = ctx;
  const shared: [string, KubeObject[]][] = [
    ['cluster-issuer', clusterIssuer(spec)],
    ['scrape', scrapeObjects(spec)],
    ['prometheus-rules', prometheusRule(spec)],
    ['dashboards', dashboardConfigMaps(ctx)],
  ];
  return [
    ...shared
      .filter(([, o]) => o.length > 0)
      .map(([name, o]): [string, KubeObject[]] => [`base/shared/${name}.yaml`, o]),
    ...spec.projects.flatMap((p) =>
      projectFiles(spec, p).map(([name, o]): [string, KubeObject[]] => [
        `base/projects/${p.name}/${name}.yaml`,
        o,
      ]),
    ),
    ...(spec.server.kubernetes.gitops
      ? [['argocd/argocd.yaml', argocdObjects(spec)] as [string, KubeObject[]]]
      : []),
  ];
}

/**
 * `base/shared/` and `base/projects/<p>/` hold the objects; `overlays/<environment>/` builds the
 * whole environment, and its `shared/` and `projects/<p>/` each one Argo CD Application's part.
 */
export function renderKubernetes(ctx: RenderContext): Artifact[] {
  const env = ctx.spec.environment;
  const files = kubernetesFiles(ctx);
  const out: Artifact[] = files.map(([path, objects]) => file(path, yamlDocuments(objects)));
  // Each file by its folder, once: a scan of every file per project is quadratic in projects.
  const byFolder = new Map<string, string[]>();
  for (const [path] of files) {
    const slash = path.lastIndexOf('/');
    const folder = path.slice(0, slash);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), path.slice(slash + 1)]);
  }
  const under = (dir: string) => byFolder.get(dir) ?? [];
  out.push(file('base/shared/kustomization.yaml', kustomization(under('base/shared'))));
  out.push(file(`overlays/${env}/shared/kustomization.yaml`, kustomization(['../../../base/shared'])));
  for (const p of ctx.spec.projects) {
    out.push(
      file(`base/projects/${p.name}/kustomization.yaml`, kustomization(under(`base/projects/${p.name}`))),
    );
    out.push(
      file(
        `overlays/${env}/projects/${p.name}/kustomization.yaml`,
        kustomization([`../../../../base/projects/${p.name}`]),
      ),
    );
  }
  out.push(
    file(
      `overlays/${env}/kustomization.yaml`,
      kustomization(['shared', ...ctx.spec.projects.map((p) => `projects/${p.name}`)]),
    ),
  );
  if (ctx.spec.server.kubernetes.gitops)
    out.push(file('argocd/kustomization.yaml', kustomization(['argocd.yaml'])));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
