import type { ICertificate, IClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import type { IGateway, IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1';
import { SERVICE_PORTS } from '../../model/index.ts';
import { allRoutes, type Project, type Spec } from '../../spec/index.ts';
import {
  INGRESS_NAMESPACE,
  ISTIO_GATEWAY_POD,
  projectLabels,
  projectNamespace,
  sharedLabels,
} from './names.ts';
import { type KubeObject, typed } from './object.ts';

interface Backend {
  host: string;
  path: string;
  service: string;
  port: number;
}

/** The project's hosts and paths (app routes and RabbitMQ UIs), each with the Service and port behind it. */
function backends(spec: Spec, project: Project): Backend[] {
  return routesOf(spec)
    .filter((r) => r.owner.startsWith(`${project.name}/`))
    .map((r) => {
      const service = project.services.find((s) => `${project.name}/${s.name}` === r.owner)!;
      const port = service.type === 'app' ? service.port : SERVICE_PORTS.rabbitmqManagement;
      return { host: r.host, path: r.path, service: service.name, port };
    });
}

/** The spec's routes, once per spec: each project's objects ask for them. */
const routesBySpec = new WeakMap<Spec, ReturnType<typeof allRoutes>>();
function routesOf(spec: Spec): ReturnType<typeof allRoutes> {
  const known = routesBySpec.get(spec);
  if (known) return known;
  const routes = allRoutes(spec);
  routesBySpec.set(spec, routes);
  return routes;
}

const unique = (xs: string[]) => [...new Set(xs)].sort();

export function issuerName(spec: Spec): string | undefined {
  const tls = spec.shared.proxy.tls;
  return tls === 'none' ? undefined : tls;
}

/** With Istio the gateway reads certificates from its own namespace, so each project's lands there under its namespace's name. */
export function certificateLocation(spec: Spec, project: string): { namespace: string; secretName: string } {
  const namespace = projectNamespace(spec, project);
  return spec.server.kubernetes.ingress === 'istio'
    ? { namespace: INGRESS_NAMESPACE.istio, secretName: `${namespace}-tls` }
    : { namespace, secretName: `${project}-tls` };
}

/**
 * The project's routes: an ingress-nginx Ingress (with the proxy's rate limit), or an Istio Gateway
 * and VirtualService; and the cert-manager Certificate for its hosts.
 */
export function routeObjects(spec: Spec, project: Project): KubeObject[] {
  const list = backends(spec, project);
  if (list.length === 0) return [];
  const namespace = projectNamespace(spec, project.name);
  const labels = projectLabels(spec, project.name);
  const hosts = unique(list.map((b) => b.host));
  const issuer = issuerName(spec);
  const cert = certificateLocation(spec, project.name);
  const out: KubeObject[] = [];
  if (spec.server.kubernetes.ingress === 'nginx') {
    out.push(
      typed<IIngress>({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: project.name, namespace, labels, annotations: rateLimitAnnotations(spec) },
        spec: {
          ingressClassName: 'nginx',
          ...(issuer ? { tls: [{ hosts, secretName: cert.secretName }] } : {}),
          rules: hosts.map((host) => ({
            host,
            http: {
              paths: list
                .filter((b) => b.host === host)
                .map((b) => ({
                  path: b.path,
                  pathType: 'Prefix' as const,
                  backend: { service: { name: b.service, port: { number: b.port } } },
                })),
            },
          })),
        },
      }),
    );
  } else {
    out.push(
      typed<IGateway>({
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: project.name, namespace, labels },
        spec: {
          selector: { ...ISTIO_GATEWAY_POD },
          servers: [
            {
              port: { number: 80, name: 'http', protocol: 'HTTP' },
              hosts,
              ...(issuer ? { tls: { httpsRedirect: true } } : {}),
            },
            ...(issuer
              ? [
                  {
                    port: { number: 443, name: 'https', protocol: 'HTTPS' },
                    hosts,
                    tls: { mode: 'SIMPLE' as const, credentialName: cert.secretName },
                  },
                ]
              : []),
          ],
        },
      }),
      typed<IVirtualService>({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: project.name, namespace, labels },
        spec: {
          hosts,
          gateways: [project.name],
          // Longest paths first: Istio takes the first match.
          http: [...list]
            .sort((a, b) => b.path.length - a.path.length || a.host.localeCompare(b.host))
            .map((b) => ({
              match: [{ authority: { exact: b.host }, uri: { prefix: b.path } }],
              route: [{ destination: { host: b.service, port: { number: b.port } } }],
            })),
        },
      }),
    );
  }
  if (issuer) {
    out.push(
      typed<ICertificate>({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: project.name, namespace: cert.namespace, labels },
        spec: {
          secretName: cert.secretName,
          dnsNames: hosts,
          issuerRef: { name: issuer, kind: 'ClusterIssuer' },
        },
      }),
    );
  }
  return out;
}

/** ingress-nginx limits per client address, in requests per second (or per minute when slower), with the proxy's burst. */
function rateLimitAnnotations(spec: Spec): Record<string, string> | undefined {
  const limit = spec.shared.proxy.rateLimit;
  if (!limit) return undefined;
  const perSecond = limit.requests / limit.perSeconds;
  const rate = perSecond >= 1 ? Math.round(perSecond) : Math.max(1, Math.round(perSecond * 60));
  return {
    [perSecond >= 1 ? 'nginx.ingress.kubernetes.io/limit-rps' : 'nginx.ingress.kubernetes.io/limit-rpm']:
      String(rate),
    'nginx.ingress.kubernetes.io/limit-burst-multiplier': String(
      Math.max(1, Math.ceil(spec.shared.proxy.burst / rate)),
    ),
  };
}

/** The cluster-wide issuer the Certificates name: Let's Encrypt (HTTP-01 through the ingress) or self-signed. */
export function clusterIssuer(spec: Spec): KubeObject[] {
  const issuer = issuerName(spec);
  if (!issuer) return [];
  const metadata = { name: issuer, labels: sharedLabels(spec) };
  if (issuer === 'selfsigned')
    return [
      typed<IClusterIssuer>({
        apiVersion: 'cert-manager.io/v1',
        kind: 'ClusterIssuer',
        metadata,
        spec: { selfSigned: {} },
      }),
    ];
  return [
    typed<IClusterIssuer>({
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata,
      spec: {
        acme: {
          server: 'https://acme-v02.api.letsencrypt.org/directory',
          ...(spec.shared.proxy.email ? { email: spec.shared.proxy.email } : {}),
          privateKeySecretRef: { name: `${issuer}-account` },
          solvers: [
            {
              http01: {
                ingress: { ingressClassName: spec.server.kubernetes.ingress === 'istio' ? 'istio' : 'nginx' },
              },
            },
          ],
        },
      },
    }),
  ];
}
