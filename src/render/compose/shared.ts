import { Duration, resourcesOf, SHARED_RESOURCES, type Spec } from '../../spec/index.ts';
import { alertmanagerArgs, alertmanagerSecrets } from '../alertmanager/index.ts';
import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { infraImage, NOT_IN_DEBIAN } from '../images.ts';
import {
  edgeNetwork,
  LABEL,
  SHARED_NETWORK,
  SHARED_PORTS,
  type SharedComponent,
  sharedAddress,
  sharedContainer,
  sharedVolume,
} from '../topology.ts';
import { toYaml } from '../yaml.ts';
import { dynamicRange, healthcheck, LOGGING, limits } from './common.ts';
import type { ComposeDoc } from './project.ts';

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
  if (m.alertmanager !== false) wanted.push('alertmanager');
  if (m.grafana !== false) wanted.push('grafana');
  if (m.loki !== false) wanted.push('loki', 'alloy');
  if (m.nodeExporter) wanted.push('node-exporter');
  if (m.cadvisor) wanted.push('cadvisor');
  return wanted.map((component) =>
    spec.server.images === 'local' && NOT_IN_DEBIAN.has(component)
      ? {
          component,
          skipped: `${component} has no Debian package, so the local image set lacks it; use images: registry to run it`,
        }
      : { component },
  );
}

/** `shared/compose.yaml`: the proxy and the monitoring stack, the shared network, and every project's edge network. */
export function renderSharedCompose(ctx: RenderContext, extras: { prometheusArgs: string[] }): Artifact[] {
  const header = '# Rendered by stagecraft: the shared stack. Edit staging.yaml, not this file.\n';
  return [file('shared/compose.yaml', header + toYaml(sharedComposeDoc(ctx, extras)))];
}

/** The shared stack's compose document as data: the file `render` writes, and what `up` converges. */
export function sharedComposeDoc(ctx: RenderContext, extras: { prometheusArgs: string[] }): ComposeDoc {
  const { spec, plan } = ctx;
  const shared = spec.network.shared;
  const services: Record<string, unknown> = {};
  const volumes: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  const edges = spec.projects.filter((p) => plan.allocations[p.name]).map((p) => edgeNetwork(p.name));
  const base = (component: SharedComponent, resources: ReturnType<typeof resourcesOf>, onEdges = false) => ({
    image: infraImage(spec, component),
    container_name: sharedContainer(component),
    restart: 'unless-stopped',
    labels: {
      [LABEL.environment]: spec.environment,
      [LABEL.project]: 'shared',
      [LABEL.service]: component,
      [LABEL.type]: 'shared',
    },
    logging: LOGGING,
    ...limits(resources),
    networks: {
      monitoring: { ipv4_address: sharedAddress(spec, component) },
      ...(onEdges ? Object.fromEntries(edges.map((e) => [e, {}])) : {}),
    },
  });
  const volume = (component: string) => {
    const name = sharedVolume(component);
    volumes[name] = {
      name,
      labels: {
        [LABEL.environment]: spec.environment,
        [LABEL.project]: 'shared',
        [LABEL.service]: component,
      },
    };
    return name;
  };
  const secret = (name: string) => {
    secrets[name] = { file: `./secrets/${name}` };
    return name;
  };
  const m = spec.shared.monitoring;
  const res = (
    given: { cpus?: unknown; memory?: unknown } | undefined,
    d: { cpus: string; memory: string },
  ) => {
    const def = resourcesOf(d);
    return {
      cpus: (given?.cpus as typeof def.cpus) ?? def.cpus,
      memory: (given?.memory as typeof def.memory) ?? def.memory,
    };
  };

  for (const { component, skipped } of sharedComponents(spec)) {
    if (skipped) continue;
    switch (component) {
      case 'proxy': {
        const appPorts = spec.projects.flatMap((p) =>
          p.services
            .filter((s) => s.type === 'app')
            .map((s) => plan.allocations[p.name]?.ports[s.name])
            .filter((x): x is number => !!x),
        );
        const tls = spec.shared.proxy.tls;
        services.proxy = {
          ...base('proxy', res(spec.shared.proxy.resources, SHARED_RESOURCES.proxy), true),
          ports: [
            `${spec.server.listen.http}:${SHARED_PORTS.proxy}`,
            ...(tls === 'none' ? [] : [`${spec.server.listen.https}:${SHARED_PORTS.proxyTls}`]),
            ...appPorts.map((port) => `127.0.0.1:${port}:${port}`),
          ],
          volumes: [
            './nginx:/etc/nginx:ro',
            ...(tls === 'letsencrypt'
              ? // the certificates are under ./nginx/letsencrypt; stagecraft writes the http-01 answers to ./acme
                ['./acme:/var/www/acme:ro']
              : []),
          ],
          healthcheck: healthcheck(
            [
              'CMD-SHELL',
              `wget -q -O /dev/null http://127.0.0.1:${SHARED_PORTS.proxyStatus}/nginx_status || exit 1`,
            ],
            HEALTH,
          ),
        };
        break;
      }
      case 'nginx-exporter':
        services['nginx-exporter'] = {
          ...base('nginx-exporter', resourcesOf({ cpus: '0.05', memory: '32MiB' })),
          command: [
            `--nginx.scrape-uri=http://${sharedContainer('proxy')}:${SHARED_PORTS.proxyStatus}/nginx_status`,
          ],
          depends_on: ['proxy'],
        };
        break;
      case 'prometheus':
        if (m.prometheus === false) break;
        services.prometheus = {
          ...base('prometheus', res(m.prometheus.resources, SHARED_RESOURCES.prometheus), true),
          command: extras.prometheusArgs,
          volumes: ['./prometheus:/etc/prometheus:ro', `${volume('prometheus')}:/prometheus`],
          extra_hosts: ['host.docker.internal:host-gateway'],
          healthcheck: healthcheck(
            [
              'CMD-SHELL',
              `wget -q -O /dev/null http://${sharedAddress(spec, 'prometheus')}:${SHARED_PORTS.prometheus}/-/ready || exit 1`,
            ],
            HEALTH,
          ),
        };
        break;
      case 'alertmanager': {
        if (m.alertmanager === false) break;
        const names = alertmanagerSecrets(m.alertmanager);
        services.alertmanager = {
          ...base('alertmanager', res(m.alertmanager.resources, SHARED_RESOURCES.alertmanager)),
          command: alertmanagerArgs(spec),
          volumes: ['./alertmanager:/etc/alertmanager:ro', `${volume('alertmanager')}:/alertmanager`],
          ...(names.length ? { secrets: names.map(secret) } : {}),
          healthcheck: healthcheck(
            [
              'CMD-SHELL',
              `wget -q -O /dev/null http://127.0.0.1:${SHARED_PORTS.alertmanager}/-/ready || exit 1`,
            ],
            HEALTH,
          ),
        };
        break;
      }
      case 'grafana':
        if (m.grafana === false) break;
        services.grafana = {
          ...base('grafana', res(m.grafana.resources, SHARED_RESOURCES.grafana)),
          environment: {
            GF_SECURITY_ADMIN_PASSWORD__FILE: '/run/secrets/GRAFANA_ADMIN_PASSWORD',
            GF_PATHS_PROVISIONING: '/etc/grafana/provisioning',
            GF_USERS_ALLOW_SIGN_UP: 'false',
            GF_ANALYTICS_REPORTING_ENABLED: 'false',
            ...(spec.server.domain ? { GF_SERVER_ROOT_URL: `https://grafana.${spec.server.domain}/` } : {}),
          },
          secrets: [secret('GRAFANA_ADMIN_PASSWORD')],
          volumes: [
            './grafana/provisioning:/etc/grafana/provisioning:ro',
            './grafana/dashboards:/var/lib/grafana/dashboards:ro',
            `${volume('grafana')}:/var/lib/grafana`,
          ],
          healthcheck: healthcheck(
            [
              'CMD-SHELL',
              `wget -q -O /dev/null http://127.0.0.1:${SHARED_PORTS.grafana}/api/health || exit 1`,
            ],
            HEALTH,
          ),
        };
        break;
      case 'loki':
        services.loki = {
          ...base('loki', res(m.loki === false ? undefined : m.loki.resources, SHARED_RESOURCES.loki)),
          command: ['-config.file=/etc/loki/loki.yml'],
          volumes: ['./loki:/etc/loki:ro', `${volume('loki')}:/loki`],
          healthcheck: healthcheck(
            ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${SHARED_PORTS.loki}/ready || exit 1`],
            HEALTH,
          ),
        };
        break;
      case 'alloy':
        services.alloy = {
          ...base('alloy', resourcesOf(SHARED_RESOURCES.alloy)),
          command: [
            'run',
            '/etc/alloy/config.alloy',
            '--storage.path=/var/lib/alloy/data',
            `--server.http.listen-addr=0.0.0.0:${SHARED_PORTS.alloy}`,
          ],
          volumes: [
            './alloy:/etc/alloy:ro',
            '/var/run/docker.sock:/var/run/docker.sock:ro',
            `${volume('alloy')}:/var/lib/alloy/data`,
          ],
          depends_on: ['loki'],
        };
        break;
      case 'node-exporter':
        services['node-exporter'] = {
          ...base('node-exporter', resourcesOf(SHARED_RESOURCES.nodeExporter)),
          command: ['--path.rootfs=/host'],
          pid: 'host',
          // Not rslave: it fails where / is not a shared mount (containers, some VMs), and read-only suffices.
          volumes: ['/:/host:ro'],
        };
        break;
      case 'cadvisor':
        services.cadvisor = {
          ...base('cadvisor', resourcesOf(SHARED_RESOURCES.cadvisor)),
          command: [
            '--docker_only=true',
            '--store_container_labels=false',
            '--whitelisted_container_labels=io.stagecraft.project,io.stagecraft.service,io.stagecraft.environment',
          ],
          volumes: [
            '/:/rootfs:ro',
            '/var/run:/var/run:ro',
            '/sys:/sys:ro',
            '/var/lib/docker/:/var/lib/docker:ro',
          ],
          devices: ['/dev/kmsg'],
          privileged: true,
        };
        break;
    }
  }

  const networks: Record<string, unknown> = {
    monitoring: {
      name: SHARED_NETWORK,
      labels: { [LABEL.environment]: spec.environment, [LABEL.project]: 'shared' },
      ipam: { config: [{ subnet: shared.toString(), ip_range: dynamicRange(shared.toString()) }] },
    },
  };
  // The shared stack owns the edge networks: the proxy starts even when a project is down or not yet created.
  // Internal: the engine then publishes the proxy's ports on its shared-network address (it picks the
  // first network by name among those not internal), the only address the direct listeners bind;
  // on its address in a project's edge network they would let that project reach other projects'
  // apps past their routes. Apps and exporters reach out through their project's network.
  for (const p of spec.projects) {
    const a = plan.allocations[p.name];
    if (!a) continue;
    networks[edgeNetwork(p.name)] = {
      name: edgeNetwork(p.name),
      internal: true,
      labels: { [LABEL.environment]: spec.environment, [LABEL.project]: p.name },
      ipam: { config: [{ subnet: a.edge, ip_range: dynamicRange(a.edge) }] },
    };
  }
  // No top-level `name`: docker-compose 1.x refuses it, and the folder's name (`shared`) is the default.
  const compose = {
    services,
    networks,
    ...(Object.keys(volumes).length ? { volumes } : {}),
    ...(Object.keys(secrets).length ? { secrets } : {}),
  };
  return compose as ComposeDoc;
}
