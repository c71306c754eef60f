import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  type KubeObject,
  kubernetesFiles,
  projectQuota,
  renderKubernetes,
} from '../../../src/render/k8s/index.ts';
import { Cpus, Size } from '../../../src/spec/index.ts';
import { assertGolden } from '../../support/golden.ts';
import { formatProblem, validateObjects } from '../../support/k8s-schema.ts';
import { EXAMPLE_NAMES, exampleContext, writeToTemp } from '../../support/render.ts';

const KUBECTL = '/usr/bin/kubectl';

/** What `kubectl kustomize` builds from the environment's overlay: the objects `kubectl apply -k` would send. */
function kustomize(name: string): KubeObject[] {
  const ctx = exampleContext(name);
  const dir = writeToTemp(renderKubernetes(ctx), 'stagecraft-k8s-');
  const r = spawnSync(KUBECTL, ['kustomize', join(dir, 'overlays', ctx.spec.environment)], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${name}: kubectl kustomize failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject);
}

const objectsOf = (name: string) => kubernetesFiles(exampleContext(name)).flatMap(([, o]) => o);

type PodSpec = {
  containers: {
    name: string;
    image: string;
    resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
    securityContext?: { allowPrivilegeEscalation?: boolean };
  }[];
  securityContext?: { runAsNonRoot?: boolean };
};

function podSpecs(objects: readonly KubeObject[]): [string, PodSpec][] {
  const out: [string, PodSpec][] = [];
  for (const o of objects) {
    const spec = (o as { spec?: Record<string, unknown> }).spec ?? {};
    const template =
      o.kind === 'CronJob'
        ? (spec.jobTemplate as { spec: { template: { spec: PodSpec } } }).spec.template
        : (spec.template as { spec: PodSpec } | undefined);
    if (template && ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(o.kind))
      out.push([`${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`, template.spec]);
  }
  return out;
}

describe('render --target k8s', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: kubectl kustomize builds the environment's overlay, and every object passes its schema`, async () => {
      const built = kustomize(name);
      assert.ok(built.some((o) => o.kind === 'Namespace'));
      const argocd = objectsOf(name).filter((o) => o.apiVersion.startsWith('argoproj.io'));
      assert.equal(
        built.length + argocd.length,
        objectsOf(name).length,
        'the overlay builds all but argocd/',
      );
      const problems = await validateObjects([...built, ...argocd]);
      assert.deepEqual(problems.map(formatProblem), []);
    });

    it(`${name}: every container has limits equal to its requests, a pinned image, no privilege escalation; no Secret holds data`, () => {
      const objects = objectsOf(name);
      for (const [where, pod] of podSpecs(objects)) {
        assert.equal(pod.securityContext?.runAsNonRoot, true, where);
        for (const c of pod.containers) {
          const at = `${where} ${c.name}`;
          assert.ok(c.resources?.limits?.cpu && c.resources.limits.memory, `${at} has limits`);
          assert.deepEqual(c.resources.requests, c.resources.limits, `${at}: Guaranteed QoS`);
          assert.match(c.image, /:[^/:]+$/, `${at}: ${c.image} names a tag`);
          assert.doesNotMatch(c.image, /:latest$/, `${at}: ${c.image} is not pinned`);
          assert.equal(c.securityContext?.allowPrivilegeEscalation, false, at);
        }
      }
      assert.deepEqual(
        objects.filter(
          (o) =>
            o.kind === 'Secret' ||
            (o.kind === 'ConfigMap' && JSON.stringify(o).match(/PASSWORD=|password:/i)),
        ),
        [],
        'secrets only by reference',
      );
    });
  }

  it('robson-k8s: the objects the robson staging document lists', () => {
    const objects = objectsOf('robson-k8s');
    const find = (kind: string, name: string, namespace = 'robson-staging') => {
      const o = objects.find(
        (x) => x.kind === kind && x.metadata?.name === name && (x.metadata?.namespace ?? '') === namespace,
      );
      assert.ok(o, `${kind} ${namespace}/${name}`);
      return o as KubeObject & { spec: never };
    };
    find('Namespace', 'robson-staging', '');
    for (const policy of [
      'default-deny',
      'allow-same-project',
      'allow-dns',
      'backend-from-ingress',
      'frontend-from-ingress',
    ])
      find('NetworkPolicy', policy);
    const quota = find('ResourceQuota', 'robson').spec as { hard: Record<string, string> };
    assert.ok(
      quota.hard['requests.cpu'] && quota.hard['requests.memory'] && quota.hard.persistentvolumeclaims,
    );
    for (const [name, storage] of [
      ['postgres', '10Gi'],
      ['redis', '5Gi'],
      ['rabbitmq', '5Gi'],
    ] as const) {
      const set = find('StatefulSet', name).spec as {
        volumeClaimTemplates: {
          spec: { resources: { requests: { storage: string } }; storageClassName: string };
        }[];
      };
      assert.equal(set.volumeClaimTemplates[0]?.spec.resources.requests.storage, storage, name);
      assert.equal(set.volumeClaimTemplates[0]?.spec.storageClassName, 'local-path', name);
      assert.equal(
        (find('Service', name).spec as { clusterIP: string }).clusterIP,
        'None',
        `${name} is headless`,
      );
    }
    const backend = find('Deployment', 'backend').spec as { replicas: number; template: { spec: PodSpec } };
    assert.equal(backend.replicas, 2);
    assert.deepEqual(backend.template.spec.containers[0]?.resources?.limits, { cpu: '500m', memory: '1Gi' });
    find('PodDisruptionBudget', 'backend');
    const frontend = find('Deployment', 'frontend').spec as { replicas: number; template: { spec: PodSpec } };
    assert.equal(frontend.replicas, 1);
    assert.deepEqual(frontend.template.spec.containers[0]?.resources?.limits, {
      cpu: '200m',
      memory: '512Mi',
    });
    assert.equal((find('CronJob', 'stop-monitor').spec as { schedule: string }).schedule, '*/1 * * * *');
    const release = find('Job', 'backend-release');
    assert.equal(release.metadata?.annotations?.['argocd.argoproj.io/hook'], 'Sync');
    const wave = (o: KubeObject) => Number(o.metadata?.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    assert.ok(
      wave(find('Namespace', 'robson-staging', '')) < wave(find('StatefulSet', 'postgres')),
      'the namespace first',
    );
    assert.ok(wave(find('StatefulSet', 'postgres')) < wave(release), 'the database before the release step');
    assert.ok(wave(release) < wave(find('Deployment', 'backend')), 'the release step before the apps');
    const backup = find('CronJob', 'postgres-backup').spec as { schedule: string; concurrencyPolicy: string };
    assert.deepEqual([backup.schedule, backup.concurrencyPolicy], ['0 2 * * *', 'Forbid']);
    const vs = find('VirtualService', 'robson').spec as { hosts: string[] };
    assert.deepEqual(vs.hosts, ['api.staging.rbx.ia.br', 'rabbitmq.staging.rbx.ia.br', 'staging.rbx.ia.br']);
    find('Gateway', 'robson');
    const cert = find('Certificate', 'robson', 'istio-system').spec as {
      dnsNames: string[];
      issuerRef: { kind: string };
    };
    assert.deepEqual(cert.dnsNames, vs.hosts);
    assert.equal(cert.issuerRef.kind, 'ClusterIssuer');
    find('ClusterIssuer', 'letsencrypt', '');
    for (const monitor of ['robson-backend', 'robson-postgres-exporter', 'robson-redis-exporter'])
      find('ServiceMonitor', monitor, 'monitoring');
    find('PrometheusRule', 'stagecraft-alerts', 'monitoring');
    assert.ok(objects.some((o) => o.kind === 'ConfigMap' && o.metadata?.labels?.grafana_dashboard === '1'));
    const am = find('AlertmanagerConfig', 'robson').spec as {
      receivers: { slackConfigs: { channel: string }[] }[];
    };
    assert.equal(am.receivers[0]?.slackConfigs[0]?.channel, '#staging-alerts');
    const app = find('Application', 'robson-staging', 'argocd').spec as {
      project: string;
      source: { path: string };
      syncPolicy: { automated: { prune: boolean; selfHeal: boolean } };
    };
    assert.equal(app.project, 'staging');
    assert.equal(app.source.path, 'infra/k8s/overlays/staging/projects/robson');
    assert.deepEqual(app.syncPolicy.automated, { prune: true, selfHeal: true });
    const project = find('AppProject', 'staging', 'argocd').spec as { destinations: { namespace: string }[] };
    assert.deepEqual(
      project.destinations.map((d) => d.namespace),
      ['robson-staging', 'monitoring', 'istio-system'],
      'the staging AppProject reaches no production namespace',
    );
  });

  it('secrets: { external: STORE } renders one ExternalSecret per project naming every key its pods read', async () => {
    const ctx = exampleContext('robson-k8s');
    ctx.spec.server.kubernetes.secrets = { external: 'vault' };
    const objects = kubernetesFiles(ctx).flatMap(([, o]) => o);
    const es = objects.find((o) => o.kind === 'ExternalSecret') as KubeObject & {
      spec: { secretStoreRef: { name: string }; data: { secretKey: string }[] };
    };
    assert.equal(es.spec.secretStoreRef.name, 'vault');
    for (const key of [
      'SECRET_KEY',
      'BINANCE_API_KEY',
      'POSTGRES_PASSWORD',
      'REDIS_PASSWORD',
      'SLACK_WEBHOOK',
    ])
      assert.ok(
        es.spec.data.some((d) => d.secretKey === key),
        key,
      );
    assert.deepEqual((await validateObjects([es])).map(formatProblem), []);
  });

  it('nginx ingress carries the proxy rate limit', () => {
    const ingress = objectsOf('demo').find((o) => o.kind === 'Ingress');
    assert.equal(ingress?.metadata?.annotations?.['nginx.ingress.kubernetes.io/limit-rps'], '50');
  });

  for (const name of ['robson-k8s', 'demo']) {
    it(`${name}: equals its golden files`, () => {
      const artifacts = renderKubernetes(exampleContext(name));
      assert.deepEqual(
        renderKubernetes(exampleContext(name)),
        artifacts,
        'rendering twice gives the same files',
      );
      assertGolden(join(import.meta.dirname, 'golden', name), artifacts);
    });
  }
});

describe('the ResourceQuota', () => {
  it('holds the project at its busiest, or at projects.<p>.quota when the spec sets one', () => {
    const ctx = exampleContext('robson-k8s');
    const robson = ctx.spec.projects[0]!;
    // backend 2 replicas + 1 surge + release (500m each), frontend 1 + 1 (200m), stop-monitor (cron, default),
    // postgres + its backup (500m each) and exporter, redis and its exporter, rabbitmq.
    const busiest = projectQuota(robson);
    assert.ok(busiest.millicores > 2 * 500 + 500 + 500, String(busiest.millicores));
    assert.equal(busiest.claims, 4, 'postgres, its backups, redis, rabbitmq');
    const capped = projectQuota({ ...robson, quota: { cpus: Cpus.cores(3), memory: Size.gibibytes(6) } });
    assert.deepEqual([capped.millicores, capped.bytes], [3000, Size.gibibytes(6).toBytes()]);
  });
});
