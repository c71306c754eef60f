import { dirname, resolve } from 'node:path';
import {
  type Container,
  containerName,
  type Dependency,
  edgeHost,
  edgeNetwork,
  type Healthcheck,
  internalNetwork,
  LABEL,
  labelsFor,
  MANAGEMENT_GATE_ROLE,
  type Mount,
  metricsNetwork,
  type NetworkAttachment,
  probeLabel,
  projectLabels,
  type ReadinessProbe,
  SERVICE_PORTS,
  type Stack,
  type Volume,
  volumeName,
} from '../../model/index.ts';
import { containerSlots } from '../../plan/index.ts';
import {
  Duration,
  EXPORTER_RESOURCES,
  MANAGEMENT_GATE_RESOURCES,
  type Project,
  resourcesOf,
  type Service,
  Size,
} from '../../spec/index.ts';
import { type Artifact, file } from '../artifact.ts';
import { DUMP_SCRIPT } from '../backup/scripts.ts';
import { containerEnvironment } from '../container-environment.ts';
import type { RenderContext } from '../context.ts';
import { postgresDatabase, postgresUser } from '../credentials.ts';
import { infraImage, serviceImage } from '../images.ts';
import { toYaml } from '../yaml.ts';
import { dynamicRange, LOG_ROTATION, literalDollars } from './common.ts';
import { composeDocument } from './document.ts';

/**
 * `projects/<p>/compose.yaml`: every container of the project, its two networks, data ports on
 * 127.0.0.1, `uses` as URLs and start order, release and cron jobs as one-offs (profiles), and
 * secrets only by reference (`env_file: secrets/<service>.env`, written by `up` with mode 0600).
 */
export function renderProjectCompose(ctx: RenderContext, project: Project): Artifact[] {
  const stack = projectStack(ctx, project);
  return stack
    ? [
        file(`projects/${project.name}/compose.yaml`, header(project.name) + toYaml(composeDocument(stack))),
        ...managementGateConfigs(project),
      ]
    : [];
}

/** The project's containers, networks and volumes: what `render` writes as its compose file, and what `up` converges. */
export function projectStack(ctx: RenderContext, project: Project): Stack | undefined {
  const allocation = ctx.plan.allocations[project.name];
  if (!allocation) return undefined;
  const containers: Container[] = [];
  const volumes: Volume[] = [];
  const byName = new Map(project.services.map((s) => [s.name, s]));

  for (const slot of containerSlots(project)) {
    const s = byName.get(slot.service)!;
    if (s.replicas === 0 && slot.role === 'service' && s.type !== 'cron') continue;
    const env = containerEnvironment(ctx.spec, project, s, slot);
    const secretFile = Object.keys(env.secret).length > 0 ? `secrets/${slot.key}.env` : undefined;
    const networks: NetworkAttachment[] = [
      {
        network: 'internal',
        ipv4: allocation.addresses[slot.key]!,
        aliases: slot.role === 'service' ? [s.name] : [`${s.name}-exporter`],
      },
    ];
    const sharedName =
      slot.role === 'exporter'
        ? `${edgeHost(project.name, s.name)}-exporter`
        : edgeHost(project.name, s.name);
    const edgeAddress = allocation.edgeAddresses[slot.key];
    if (slot.onEdge)
      networks.push({
        network: 'edge',
        ...(edgeAddress ? { ipv4: edgeAddress } : {}),
        aliases: [sharedName],
      });
    const metricsAddress = allocation.metricsAddresses[slot.key];
    if (slot.onMetrics)
      networks.push({
        network: 'metrics',
        ...(metricsAddress ? { ipv4: metricsAddress } : {}),
        aliases: [sharedName],
      });
    const probe = slot.role === 'service' ? readinessProbe(project, s) : undefined;
    const environment = sorted(env.plain);
    const container: Container = {
      key: slot.key,
      image:
        slot.role === 'exporter'
          ? infraImage(ctx.spec, s.type === 'postgres' ? 'postgres-exporter' : 'redis-exporter')
          : serviceImage(ctx.spec, s),
      name: containerName(project.name, slot.key),
      restart: s.type === 'cron' ? 'no' : 'unless-stopped',
      init: true,
      labels: {
        ...labelsFor(ctx.spec, project.name, s.name, slot.role),
        [LABEL.type]: slot.role === 'exporter' ? 'exporter' : s.type,
        ...(slot.role === 'service' ? s.labels : {}),
        ...(s.type === 'cron' && slot.role === 'service'
          ? { [`${LABEL.service}.schedule`]: s.schedule.toString() }
          : {}),
        ...(probe ? { [LABEL.probe]: probeLabel(probe) } : {}),
      },
      logging: LOG_ROTATION,
      resources:
        slot.role === 'exporter'
          ? resourcesOf(EXPORTER_RESOURCES[s.type === 'postgres' ? 'postgres' : 'redis'])
          : s.resources,
      ...(Object.keys(environment).length ? { environment } : {}),
      ...(secretFile ? { envFiles: [secretFile] } : {}),
      networks,
    };
    if (slot.role === 'service') Object.assign(container, serviceSpecifics(ctx, project, s, volumes));
    else container.dependsOn = [{ key: s.name, condition: 'healthy' }];
    if (s.build && slot.role === 'service') {
      // The context is relative to the spec's folder; the compose file lives elsewhere, so make it absolute.
      const context = resolve(dirname(resolve(ctx.spec.file)), s.build.context);
      container.build = { context, dockerfile: s.build.dockerfile, args: s.build.args };
    }
    containers.push(container);
  }

  for (const s of project.services) {
    if (s.type === 'rabbitmq' && s.ui) containers.push(managementGate(ctx, project, s));
    if (s.type === 'app' && s.release) containers.push(releaseJob(ctx, project, s, containers));
    if (s.type === 'postgres' && s.backup) containers.push(backupJob(ctx, project, s));
  }

  return {
    name: project.name,
    containers,
    networks: [
      {
        key: 'internal',
        name: internalNetwork(project.name),
        // A plain bridge, not `internal: true`: Docker does not publish ports of containers that are only on
        // internal networks, and data ports must reach 127.0.0.1. No other project or shared container joins it.
        driver: 'bridge',
        labels: projectLabels(ctx.spec, project.name),
        subnet: allocation.internal,
        ipRange: dynamicRange(allocation.internal),
      },
      { key: 'edge', name: edgeNetwork(project.name), external: true },
      { key: 'metrics', name: metricsNetwork(project.name), external: true },
    ],
    volumes,
    secretFiles: [],
  };
}

/** What a long-running service's container adds by its type; its fields in the order the compose file has them. */
function serviceSpecifics(
  ctx: RenderContext,
  project: Project,
  s: Service,
  volumes: Volume[],
): Partial<Container> {
  const allocation = ctx.plan.allocations[project.name]!;
  const out: Partial<Container> = {};
  const dependsOn: Dependency[] = s.uses.map((u) => ({ key: u, condition: 'healthy' }));
  const mounts: Mount[] = [];
  const labels = volumeLabels(ctx, project.name, s.name);
  for (const [name, path] of Object.entries(s.volumes)) {
    const v = volumeName(project.name, s.name, name);
    volumes.push({ name: v, labels });
    mounts.push({ type: 'volume', volume: v, target: path });
  }
  const published = (containerPort: number) => [
    { hostIp: '127.0.0.1', hostPort: allocation.ports[s.name]!, containerPort },
  ];
  const dataVolume = (path: string) => {
    const v = volumeName(project.name, s.name, 'data');
    volumes.push({ name: v, labels });
    mounts.push({ type: 'volume', volume: v, target: path });
  };
  switch (s.type) {
    case 'app': {
      if (s.command) out.command = literalDollars(s.command);
      const url = literalDollars(`http://127.0.0.1:${s.port}${s.health.path}`);
      out.healthcheck = healthcheck(
        ['CMD-SHELL', `curl -fsS -o /dev/null ${url} || wget -q -O /dev/null ${url} || exit 1`],
        s.health,
      );
      out.stopGracePeriod = Duration.seconds(30);
      break;
    }
    case 'worker':
      if (s.command) out.command = literalDollars(s.command);
      if (s.health) out.healthcheck = healthcheck(['CMD-SHELL', literalDollars(s.health.command)], s.health);
      break;
    case 'cron':
      out.command = literalDollars(s.command);
      out.oneOff = 'cron';
      break;
    case 'postgres':
      dataVolume('/var/lib/postgresql/data');
      out.ports = published(SERVICE_PORTS.postgres);
      out.command = ['postgres', '-c', `max_connections=${s.maxConnections}`];
      out.healthcheck = healthcheck(
        [
          'CMD-SHELL',
          `pg_isready -q -h 127.0.0.1 -U ${postgresUser(project, s)} -d ${postgresDatabase(project, s)}`,
        ],
        DATA_HEALTH,
      );
      out.shmSize = Size.mebibytes(128);
      break;
    case 'redis': {
      const maxmemory = Math.floor(s.resources.memory.toBytes() * 0.8);
      if (s.persistence) dataVolume('/data');
      out.ports = published(SERVICE_PORTS.redis);
      // The password comes from the env file, and the shell fills it in.
      out.command = [
        'sh',
        '-c',
        `exec redis-server --requirepass "$REDIS_PASSWORD" --maxmemory ${maxmemory} --maxmemory-policy ${s.maxmemoryPolicy} --appendonly ${s.persistence ? 'yes' : 'no'}`,
      ];
      out.healthcheck = healthcheck(
        ['CMD-SHELL', 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG'],
        DATA_HEALTH,
      );
      break;
    }
    case 'rabbitmq':
      dataVolume('/var/lib/rabbitmq');
      out.ports = published(SERVICE_PORTS.rabbitmq);
      out.hostname = `${project.name}-${s.name}`;
      out.healthcheck = healthcheck(['CMD', 'bash', '-c', RABBITMQ_LISTENING], DATA_HEALTH);
      break;
  }
  if (mounts.length) out.mounts = mounts;
  if (dependsOn.length) out.dependsOn = dependsOn;
  return out;
}

function healthcheck(
  test: string[],
  h: { interval: Duration; timeout: Duration; retries: number; startPeriod: Duration },
): Healthcheck {
  return { test, interval: h.interval, timeout: h.timeout, retries: h.retries, startPeriod: h.startPeriod };
}

// Every 10 s, as the engine's own default is calm: `up`'s health gate does not wait for this check
// (it asks the service itself, see model/probe.ts), and each check costs the container CPU.
const DATA_HEALTH = {
  interval: Duration.seconds(10),
  timeout: Duration.seconds(3),
  retries: 3,
  startPeriod: Duration.seconds(60),
};

/**
 * RabbitMQ's check: a TCP connect to its AMQP listener with bash's own /dev/tcp, a few
 * milliseconds. The broker opens the listener at the end of its boot and closes it when it stops.
 * `rabbitmq-diagnostics ping` boots an Erlang VM each time, more than 3 s of CPU inside the default
 * 0.25-CPU limit, so the container went unhealthy at rest. Sending the AMQP header as well would
 * make the broker log three lines (two warnings) per check; `up`'s gate does that exchange once.
 * Both the local image and the official one have bash.
 */
const RABBITMQ_LISTENING = `exec 3<>/dev/tcp/127.0.0.1/${SERVICE_PORTS.rabbitmq}`;

/** What `up`'s health gate asks the service itself; none for workers and cron jobs (no protocol to ask). */
function readinessProbe(project: Project, s: Service): ReadinessProbe | undefined {
  switch (s.type) {
    case 'app':
      return { kind: 'http', port: s.port, path: s.health.path };
    case 'postgres':
      return {
        kind: 'postgres',
        port: SERVICE_PORTS.postgres,
        user: postgresUser(project, s),
        database: postgresDatabase(project, s),
      };
    case 'redis':
      return { kind: 'redis', port: SERVICE_PORTS.redis };
    case 'rabbitmq':
      return { kind: 'amqp', port: SERVICE_PORTS.rabbitmq };
    default:
      return undefined;
  }
}

/**
 * The way in to a RabbitMQ management UI: an nginx of the proxy's image on the project's internal
 * network and its edge network (as `<project>-<service>`, the name the proxy routes to), forwarding
 * to the broker's management port only. The broker itself stays on the internal network, so
 * neither the proxy nor anything else on the edge reaches its AMQP port.
 */
function managementGate(
  ctx: RenderContext,
  project: Project,
  s: Extract<Service, { type: 'rabbitmq' }>,
): Container {
  return {
    key: managementGateKey(s.name),
    image: infraImage(ctx.spec, 'proxy'),
    name: containerName(project.name, managementGateKey(s.name)),
    command: ['nginx', '-c', `${MANAGEMENT_GATE_DIR}/nginx.conf`, '-g', 'daemon off;'],
    restart: 'unless-stopped',
    init: true,
    labels: {
      ...labelsFor(ctx.spec, project.name, s.name, MANAGEMENT_GATE_ROLE),
      [LABEL.type]: MANAGEMENT_GATE_ROLE,
    },
    logging: LOG_ROTATION,
    resources: resourcesOf(MANAGEMENT_GATE_RESOURCES),
    mounts: [
      { type: 'bind', source: `./${managementGateKey(s.name)}`, target: MANAGEMENT_GATE_DIR, readOnly: true },
    ],
    networks: [{ network: 'internal' }, { network: 'edge', aliases: [edgeHost(project.name, s.name)] }],
    dependsOn: [{ key: s.name, condition: 'started' }],
  };
}

const MANAGEMENT_GATE_DIR = '/etc/stagecraft-ui';

function managementGateKey(service: string): string {
  return `${service}-ui`;
}

/** Its nginx.conf: one server on the management port, the broker found by name at request time (it may be recreated). */
function managementGateConfigs(project: Project): Artifact[] {
  return project.services.flatMap((s) =>
    s.type === 'rabbitmq' && s.ui
      ? [
          file(
            `projects/${project.name}/${managementGateKey(s.name)}/nginx.conf`,
            managementGateConfig(s.name),
          ),
        ]
      : [],
  );
}

export function managementGateConfig(broker: string): string {
  const port = SERVICE_PORTS.rabbitmqManagement;
  return `# Rendered by stagecraft: the way in to ${broker}'s management UI, and to nothing else of it.
worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  client_max_body_size 16m;
  resolver 127.0.0.11 valid=10s ipv6=off;
  server {
    listen ${port};
    location / {
      set $broker http://${broker}:${port};
      proxy_pass $broker;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** The release step: the app's image and environment (its first replica's), run once before a rollout. */
function releaseJob(
  ctx: RenderContext,
  project: Project,
  s: Extract<Service, { type: 'app' }>,
  containers: readonly Container[],
): Container {
  const first = containers.find((c) => c.key === `${s.name}-1`);
  return {
    key: `${s.name}-release`,
    image: serviceImage(ctx.spec, s),
    name: containerName(project.name, `${s.name}-release`),
    command: ['sh', '-c', literalDollars(s.release!)],
    restart: 'no',
    oneOff: 'release',
    labels: labelsFor(ctx.spec, project.name, s.name, 'release'),
    logging: LOG_ROTATION,
    resources: s.resources,
    ...(first?.environment ? { environment: first.environment } : {}),
    ...(first?.envFiles ? { envFiles: first.envFiles } : {}),
    networks: [{ network: 'internal' }],
    ...(s.uses.length ? { dependsOn: s.uses.map((u) => ({ key: u, condition: 'healthy' as const })) } : {}),
  };
}

/** The backup job: `pg_dump` from the database's own image into the host's backup folder. */
function backupJob(
  ctx: RenderContext,
  project: Project,
  s: Extract<Service, { type: 'postgres' }>,
): Container {
  return {
    key: `${s.name}-backup`,
    image: serviceImage(ctx.spec, s),
    name: containerName(project.name, `${s.name}-backup`),
    restart: 'no',
    oneOff: 'backup',
    labels: labelsFor(ctx.spec, project.name, s.name, 'backup'),
    logging: LOG_ROTATION,
    environment: {
      PGHOST: s.name,
      PGUSER: postgresUser(project, s),
      PGDATABASE: postgresDatabase(project, s),
    },
    envFiles: [`secrets/${s.name}-backup.env`],
    mounts: [{ type: 'bind', source: `${ctx.spec.server.backupDir}/${project.name}`, target: '/backups' }],
    command: ['sh', '-c', DUMP_SCRIPT],
    networks: [{ network: 'internal' }],
    dependsOn: [{ key: s.name, condition: 'healthy' }],
  };
}

/** Volumes carry the environment too, so `down --volumes` of one environment never matches another's. */
function volumeLabels(ctx: RenderContext, project: string, service: string): Record<string, string> {
  return { ...projectLabels(ctx.spec, project), [LABEL.service]: service };
}

function sorted(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(o)
      .map(([k, v]) => [k, literalDollars(v)] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

function header(project: string): string {
  return `# Rendered by stagecraft for project ${project}; edit staging.yaml, not this file.\n# Secret values live in secrets/*.env (mode 0600), written by \`stagecraft up\` or \`render --with-secrets\`.\n`;
}
