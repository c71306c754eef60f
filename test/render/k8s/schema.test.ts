import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem, schemaPackageVersions, validateObject } from '../../support/k8s-schema.ts';

/** The schema harness itself: it must refuse what the API server refuses, and nothing else. */
const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    labels: { 'app.kubernetes.io/name': 'web', 'stagecraft.dev/project': 'shop' },
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'registry.example/web:1.2.3',
            ports: [{ name: 'http', containerPort: 8000 }],
            resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } },
          },
        ],
      },
    },
  },
});

const problemsOf = async (obj: object) => (await validateObject(obj)).map(formatProblem);

describe('Kubernetes schema harness', () => {
  it('accepts a valid object, labels and resource maps included', async () => {
    assert.deepEqual(await problemsOf(deployment()), []);
  });

  it('refuses a field the schema does not have, naming its path', async () => {
    const d = deployment();
    (d.spec.template.spec.containers[0] as Record<string, unknown>).imagePullPolicyy = 'Always';
    assert.deepEqual(await problemsOf(d), [
      'Deployment/shop/web: /spec/template/spec/containers/0/imagePullPolicyy is not a field of the schema',
    ]);
  });

  it('refuses a field 1.27 does not have, so every object is valid from 1.27 to 1.34 (1.31 included)', async () => {
    const d = deployment();
    (d.spec.template.spec as Record<string, unknown>).hostnameOverride = 'web';
    (d.spec.template.spec.containers[0] as Record<string, unknown>).restartPolicy = 'Always';
    assert.deepEqual(await problemsOf(d), [
      'Deployment/shop/web: /spec/template/spec/hostnameOverride is not a field of the schema (in Kubernetes 1.27)',
      'Deployment/shop/web: /spec/template/spec/containers/0/restartPolicy is not a field of the schema (in Kubernetes 1.27)',
    ]);
  });

  it('refuses wrong types and missing required fields', async () => {
    const d = deployment() as Record<string, unknown> & ReturnType<typeof deployment>;
    (d.spec as Record<string, unknown>).replicas = 'two';
    delete (d.spec as Record<string, unknown>).selector;
    const problems = await problemsOf(d);
    assert.ok(
      problems.some((p) => p.includes('/spec/replicas') && p.includes('integer')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.includes('selector')),
      problems.join('\n'),
    );
  });

  it('refuses names the API server refuses', async () => {
    const d = deployment();
    d.metadata.name = 'Web_1';
    d.spec.template.spec.containers[0]!.name = 'web.1';
    d.spec.template.spec.containers[0]!.ports[0]!.name = 'http-metrics-port';
    d.metadata.labels['stagecraft.dev/project'] = 'not a value';
    const problems = await problemsOf(d);
    for (const path of [
      '/metadata/name',
      '/containers/0/name',
      '/ports/0/name',
      '/labels/stagecraft.dev/project',
    ])
      assert.ok(
        problems.some((p) => p.includes(path)),
        `${path} in\n${problems.join('\n')}`,
      );
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: '1web' },
      spec: { ports: [{ port: 80 }] },
    };
    assert.deepEqual(await problemsOf(service), [
      'Service/1web: /metadata/name "1web" is not a DNS-1035 label',
    ]);
  });

  it('knows each CRD package and refuses unknown fields there too', async () => {
    const crds = [
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'ClusterIssuer',
        metadata: { name: 'letsencrypt' },
        spec: { selfSigned: {} },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'm', namespace: 'n' },
        spec: { selector: { matchLabels: { a: 'b' } }, endpoints: [{ port: 'http', path: '/metrics' }] },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'staging' },
        spec: { destinations: [{ namespace: 'shop-staging', server: 'https://kubernetes.default.svc' }] },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: 'g', namespace: 'n' },
        spec: {
          selector: { istio: 'ingressgateway' },
          servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['a.example'] }],
        },
      },
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'e', namespace: 'n' },
        spec: {
          secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
          target: { name: 't' },
          data: [{ secretKey: 'K', remoteRef: { key: 'k' } }],
        },
      },
    ];
    for (const crd of crds) {
      assert.deepEqual(await problemsOf(crd), [], crd.kind);
      const bad = { ...crd, spec: { ...crd.spec, bogus: true } };
      assert.equal(
        (await problemsOf(bad)).filter((p) => p.endsWith('/spec/bogus is not a field of the schema')).length,
        1,
        crd.kind,
      );
    }
  });

  it('refuses a kind it has no schema for', async () => {
    assert.deepEqual(
      await problemsOf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
      ['Widget/w: / no schema for example.com/v1 Widget'],
    );
  });

  it('names the schema packages it validates with', () => {
    const versions = schemaPackageVersions();
    assert.match(versions['kubernetes-models'] ?? '', /^\d+\.\d+\.\d+$/);
  });
});
