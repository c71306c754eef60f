import {
  CONTROL_PLANE_SOCKET,
  type Container,
  edgeNetwork,
  LABEL,
  type Mount,
  metricsNetwork,
  type Network,
  projectLabels,
  type SecretFile,
  SHARED_NETWORK,
  SHARED_PORTS,
  type SharedComponent,
  type Stack,
  secretPath,
  sharedAddress,
  sharedContainer,
  sharedVolume,
  type Volume,
} from '../../model/index.ts';
import { Duration, type Resources, resourcesOf, SHARED_RESOURCES, type Spec } from '../../spec/index.ts';
import { alertmanagerArgs, alertmanagerSecrets } from '../alertmanager/index.ts';
import { type Artifact, file } from '../artifact.ts';
import { CADVISOR_KEPT_LABELS } from '../cadvisor-labels.ts';
import type { RenderContext } from '../context.ts';
import { infraImage, NOT_IN_DEBIAN } from '../images.ts';
import { mtailArgs, proxyMetricsRun } from '../proxy-metrics/index.ts';
import { REGISTRY_DATA, REGISTRY_PORT, registryCommand, upstreamCredentials } from '../registry/index.ts';
import { toYaml } from '../yaml.ts';
import { dynamicRange, LOG_ROTATION } from './common.ts';
import { composeDocument } from './document.ts';

const HEALTH = {
  interval: Duration.seconds(10),
  timeout: Duration.seconds(3),
  retries: 5,
  startPeriod: Duration.seconds(10),
};

export interface SharedComponentPlan {
  component: SharedComponent;
  /** Why it is left out, when it is. */
  skipped?: string;
}

/** Which shared components run, and which `local` mode has to leave out (never silently). */
export function sharedComponents(spec: Spec): SharedComponentPlan[] {
  const m = spec.shared.monitoring;
  const wanted: SharedComponent[] = ['proxy'];
  wanted.push('nginx-exporter');
  if (m.prometheus !== false) wanted.push('prometheus');
  if (proxyMetricsRun(spec)) wanted.push('proxy-metrics');
  if (m.alertmanager !== false) wanted.push('alertmanager');
  if (m.grafana !== false) wanted.push('grafana');
  if (m.loki !== false) wanted.push('loki', 'alloy');
  if (m.nodeExporter) wanted.push('node-exporter');
  if (m.cadvisor) wanted.push('cadvisor');
  if (spec.shared.registryMirror) wanted.push('registry');
  return wanted.map((component) =>
    spec.server.images === 'local' && NOT_IN_DEBIAN.has(component)
      ? {
          component,
          skipped: `${component} has no Debian package, so the local image set lacks it; use images: registry to run it`,
        }
      : { component },
  );
}

/** `shared/compose.yaml`: the proxy and the monitoring stack, the shared network, and every project's edge and metrics networks. */
export function renderSharedCompose(ctx: RenderContext, extras: { prometheusArgs: string[] }): Artifact[] {
  const header = '# Rendered by stagecraft: the shared stack. Edit staging.yaml, not this file.\n';
  return [file('shared/compose.yaml', header + toYaml(composeDocument(sharedStack(ctx, extras))))];
}

/** The shared stack's containers, networks and volumes: what `render` writes as its compose file, and what `up` converges. */
export function sharedStack(ctx: RenderContext, extras: { prometheusArgs: string[] }): Stack {
  const { spec, plan } = ctx;
  const shared = spec.network.shared;
  const containers: Container[] = [];
  const volumes: Volume[] = [];
  const secretFiles: SecretFile[] = [];
  const planned = spec.projects.filter((p) => plan.allocations[p.name]);
  const projectNetworks = {
    none: [],
    edge: planned.map((p) => edgeNetwork(p.name)),
    metrics: planned.map((p) => metricsNetwork(p.name)),
  };
  /** `edge`: the proxy, on every project's edge network; `metrics`: Prometheus, on every project's metrics network. */
  const base = (
    component: SharedComponent,
    resources: Resources,
    joins: keyof typeof projectNetworks = 'none',
  ) => ({
    key: component,
    image: infraImage(spec, component),
    name: sharedContainer(component),
    restart: 'unless-stopped' as const,
    labels: {
      [LABEL.environment]: spec.environment,
      [LABEL.project]: 'shared',
      [LABEL.service]: component,
      [LABEL.type]: 'shared',
    },
    logging: LOG_ROTATION,
    resources,
    networks: [
      { network: 'monitoring', ipv4: sharedAddress(spec, component) },
      ...projectNetworks[joins].map((n) => ({ network: n })),
    ],
  });
  const volume = (component: string, target: string, readOnly = false): Mount => {
    const name = sharedVolume(component);
    volumes.push({
      name,
      labels: {
        [LABEL.environment]: spec.environment,
        [LABEL.project]: 'shared',
        [LABEL.service]: component,
      },
    });
    return { type: 'volume', volume: name, target, ...(readOnly ? { readOnly } : {}) };
  };
  const bind = (source: string, target: string): Mount => ({ type: 'bind', source, target, readOnly: true });
  const secret = (name: string) => {
    secretFiles.push({ name, file: `./secrets/${name}` });
    return name;
  };
  const wget = (url: string) => ({ test: ['CMD-SHELL', `wget -q -O /dev/null ${url} || exit 1`], ...HEALTH });
  const m = spec.shared.monitoring;
  const res = (given: Partial<Resources> | undefined, d: { cpus: string; memory: string }): Resources => {
    const def = resourcesOf(d);
    return { cpus: given?.cpus ?? def.cpus, memory: given?.memory ?? def.memory };
  };

  for (const { component, skipped } of sharedComponents(spec)) {
    if (skipped) continue;
    switch (component) {
      case 'proxy': {
        const apps = spec.projects.flatMap((p) =>
          p.services
            .filter((s) => s.type === 'app')
            .flatMap((s) => {
              const port = plan.allocations[p.name]?.ports[s.name];
              return port ? [{ app: `${p.name}/${s.name}`, port }] : [];
            }),
        );
        const appPorts = apps.map((a) => a.port);
        const tls = spec.shared.proxy.tls;
        const proxy = base('proxy', res(spec.shared.proxy.resources, SHARED_RESOURCES.proxy), 'edge');
        containers.push({
          ...proxy,
          labels: {
            ...proxy.labels,
            ...(apps.length ? { [LABEL.appPorts]: apps.map((a) => `${a.app}=${a.port}`).join(',') } : {}),
          },
          ports: [
            { hostPort: spec.server.listen.http, containerPort: SHARED_PORTS.proxy },
            ...(tls === 'none'
              ? []
              : [{ hostPort: spec.server.listen.https, containerPort: SHARED_PORTS.proxyTls }]),
            ...appPorts.map((port) => ({ hostIp: '127.0.0.1', hostPort: port, containerPort: port })),
          ],
          mounts: [
            bind('./nginx', '/etc/nginx'),
            // The control plane's /metrics socket: the proxy hands it to Prometheus alone (nginx/shared.ts).
            ...(m.prometheus === false
              ? []
              : [bind(`./${CONTROL_PLANE_SOCKET.folder}`, CONTROL_PLANE_SOCKET.mountedAt)]),
            ...(tls === 'letsencrypt'
              ? // the certificates are under ./nginx/letsencrypt; stagecraft writes the http-01 answers to ./acme
                [bind('./acme', '/var/www/acme')]
              : []),
          ],
          healthcheck: wget(`http://127.0.0.1:${SHARED_PORTS.proxyStatus}/nginx_status`),
        });
        break;
      }
      case 'nginx-exporter':
        containers.push({
          ...base('nginx-exporter', resourcesOf({ cpus: '0.05', memory: '32MiB' })),
          command: [
            `--nginx.scrape-uri=http://${sharedContainer('proxy')}:${SHARED_PORTS.proxyStatus}/nginx_status`,
          ],
          dependsOn: [{ key: 'proxy', condition: 'healthy' }],
        });
        break;
      case 'prometheus':
        if (m.prometheus === false) break;
        containers.push({
          ...base('prometheus', res(m.prometheus.resources, SHARED_RESOURCES.prometheus), 'metrics'),
          command: extras.prometheusArgs,
          mounts: [bind('./prometheus', '/etc/prometheus'), volume('prometheus', '/prometheus')],
          healthcheck: wget(`http://${sharedAddress(spec, 'prometheus')}:${SHARED_PORTS.prometheus}/-/ready`),
        });
        break;
      case 'proxy-metrics':
        // Measured at 3.8% of a core and 11 MiB at 95 requests/s (README, "Deploy analysis").
        containers.push({
          ...base('proxy-metrics', resourcesOf({ cpus: '0.1', memory: '64MiB' })),
          command: mtailArgs(),
          mounts: [bind('./mtail', '/etc/mtail')],
        });
        break;
      case 'alertmanager': {
        if (m.alertmanager === false) break;
        const names = alertmanagerSecrets(m.alertmanager);
        containers.push({
          ...base('alertmanager', res(m.alertmanager.resources, SHARED_RESOURCES.alertmanager)),
          command: alertmanagerArgs(spec),
          mounts: [bind('./alertmanager', '/etc/alertmanager'), volume('alertmanager', '/alertmanager')],
          ...(names.length ? { secrets: names.map(secret) } : {}),
          healthcheck: wget(`http://127.0.0.1:${SHARED_PORTS.alertmanager}/-/ready`),
        });
        break;
      }
      case 'grafana':
        if (m.grafana === false) break;
        containers.push({
          ...base('grafana', res(m.grafana.resources, SHARED_RESOURCES.grafana)),
          environment: {
            GF_SECURITY_ADMIN_PASSWORD__FILE: secretPath('GRAFANA_ADMIN_PASSWORD'),
            GF_PATHS_PROVISIONING: '/etc/grafana/provisioning',
            GF_USERS_ALLOW_SIGN_UP: 'false',
            GF_ANALYTICS_REPORTING_ENABLED: 'false',
            ...(spec.server.domain ? { GF_SERVER_ROOT_URL: `https://grafana.${spec.server.domain}/` } : {}),
          },
          secrets: [secret('GRAFANA_ADMIN_PASSWORD')],
          mounts: [
            bind('./grafana/provisioning', '/etc/grafana/provisioning'),
            bind('./grafana/dashboards', '/var/lib/grafana/dashboards'),
            volume('grafana', '/var/lib/grafana'),
          ],
          healthcheck: wget(`http://127.0.0.1:${SHARED_PORTS.grafana}/api/health`),
        });
        break;
      case 'loki':
        containers.push({
          ...base('loki', res(m.loki === false ? undefined : m.loki.resources, SHARED_RESOURCES.loki)),
          command: ['-config.file=/etc/loki/loki.yml'],
          mounts: [bind('./loki', '/etc/loki'), volume('loki', '/loki')],
          healthcheck: wget(`http://127.0.0.1:${SHARED_PORTS.loki}/ready`),
        });
        break;
      case 'alloy':
        containers.push({
          ...base('alloy', resourcesOf(SHARED_RESOURCES.alloy)),
          command: [
            'run',
            '/etc/alloy/config.alloy',
            '--storage.path=/var/lib/alloy/data',
            `--server.http.listen-addr=0.0.0.0:${SHARED_PORTS.alloy}`,
          ],
          mounts: [
            bind('./alloy', '/etc/alloy'),
            bind('/var/run/docker.sock', '/var/run/docker.sock'),
            volume('alloy', '/var/lib/alloy/data'),
          ],
          dependsOn: [{ key: 'loki', condition: 'started' }],
        });
        break;
      case 'node-exporter':
        containers.push({
          ...base('node-exporter', resourcesOf(SHARED_RESOURCES.nodeExporter)),
          command: ['--path.rootfs=/host'],
          hostPid: true,
          // Not rslave: it fails where / is not a shared mount (containers, some VMs), and read-only suffices.
          mounts: [bind('/', '/host')],
        });
        break;
      case 'cadvisor':
        containers.push({
          ...base('cadvisor', resourcesOf(SHARED_RESOURCES.cadvisor)),
          command: [
            '--docker_only=true',
            '--store_container_labels=false',
            `--whitelisted_container_labels=${CADVISOR_KEPT_LABELS.join(',')}`,
          ],
          mounts: [
            bind('/', '/rootfs'),
            bind('/var/run', '/var/run'),
            bind('/sys', '/sys'),
            bind('/var/lib/docker/', '/var/lib/docker'),
          ],
          devices: ['/dev/kmsg'],
          privileged: true,
        });
        break;
      case 'registry': {
        const mirror = spec.shared.registryMirror;
        if (!mirror) break;
        const credentials = upstreamCredentials(spec);
        containers.push({
          ...base('registry', res(mirror.resources, SHARED_RESOURCES.registry)),
          command: registryCommand(spec),
          // Loopback only: a cache anyone could fill or read is no one's to offer.
          ports: [{ hostIp: '127.0.0.1', hostPort: mirror.port, containerPort: REGISTRY_PORT }],
          mounts: [bind('./registry', '/etc/docker/registry'), volume('registry', REGISTRY_DATA)],
          ...(credentials
            ? {
                environment: { REGISTRY_PROXY_USERNAME: credentials.username },
                secrets: [secret(credentials.secret)],
              }
            : {}),
          healthcheck: wget(`http://127.0.0.1:${REGISTRY_PORT}/v2/`),
        });
        break;
      }
    }
  }

  const networks: Network[] = [
    {
      key: 'monitoring',
      name: SHARED_NETWORK,
      labels: { [LABEL.environment]: spec.environment, [LABEL.project]: 'shared' },
      subnet: shared.toString(),
      ipRange: dynamicRange(shared.toString()),
    },
  ];
  // The shared stack owns the edge and metrics networks: the proxy and Prometheus start even when a
  // project is down or not yet created. Internal: the engine then publishes the proxy's ports on its
  // shared-network address (it picks the first network by name among those not internal), the only
  // address the direct listeners bind; on its address in a project's edge network they would let
  // that project reach other projects' apps past their routes. Apps and exporters reach out through
  // their project's network. Two networks, not one: the proxy and Prometheus each meet only what
  // they may reach (apps; metrics endpoints and exporters), so the network enforces it, not their configuration.
  for (const p of spec.projects) {
    const a = plan.allocations[p.name];
    if (!a) continue;
    for (const [name, subnet] of [
      [edgeNetwork(p.name), a.edge],
      [metricsNetwork(p.name), a.metrics],
    ] as const)
      networks.push({
        key: name,
        name,
        internal: true,
        labels: projectLabels(spec, p.name),
        subnet,
        ipRange: dynamicRange(subnet),
      });
  }
  return { name: 'shared', containers, networks, volumes, secretFiles };
}
