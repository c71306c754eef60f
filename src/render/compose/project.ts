import { dirname, resolve } from 'node:path';

import { containerSlots } from '../../plan/index.ts';
import { Duration, EXPORTER_RESOURCES, type Project, resourcesOf, type Service } from '../../spec/index.ts';
import { type Artifact, file } from '../artifact.ts';
import { composeEscape, DUMP_SCRIPT } from '../backup/scripts.ts';
import type { RenderContext } from '../context.ts';
import { postgresDatabase, postgresUser } from '../credentials.ts';
import { containerEnvironment } from '../environment.ts';
import { infraImage, serviceImage } from '../images.ts';
import { probeLabel, type ReadinessProbe } from '../readiness-probe.ts';
import {
  containerName,
  edgeHost,
  edgeNetwork,
  internalNetwork,
  LABEL,
  labelsFor,
  SERVICE_PORTS,
  volumeName,
} from '../topology.ts';
import { toYaml } from '../yaml.ts';
import { dynamicRange, healthcheck, LOGGING, limits } from './common.ts';

/**
 * `projects/<p>/compose.yaml`: every container of the project, its two networks, data ports on
 * 127.0.0.1, `uses` as URLs and start order, release and cron jobs as one-offs (profiles), and
 * secrets only by reference (`env_file: secrets/<service>.env`, written by `up` with mode 0600).
 */
export function renderProjectCompose(ctx: RenderContext, project: Project): Artifact[] {
  const compose = projectComposeDoc(ctx, project);
  return compose
    ? [file(`projects/${project.name}/compose.yaml`, header(project.name) + toYaml(compose))]
    : [];
}

export interface ComposeDoc {
  services: Record<string, Record<string, unknown>>;
  networks: Record<string, Record<string, unknown>>;
  volumes?: Record<string, Record<string, unknown>>;
  secrets?: Record<string, { file: string }>;
}

/** The project's compose document as data: the file `render` writes, and what `up` converges. */
export function projectComposeDoc(ctx: RenderContext, project: Project): ComposeDoc | undefined {
  const allocation = ctx.plan.allocations[project.name];
  if (!allocation) return undefined;
  const services: Record<string, Record<string, unknown>> = {};
  const volumes: Record<string, Record<string, unknown>> = {};
  const byName = new Map(project.services.map((s) => [s.name, s]));

  for (const slot of containerSlots(project)) {
    const s = byName.get(slot.service)!;
    if (s.replicas === 0 && slot.role === 'service' && s.type !== 'cron') continue;
    const env = containerEnvironment(ctx.spec, project, s, slot);
    const secretFile = Object.keys(env.secret).length > 0 ? `secrets/${slot.key}.env` : undefined;
    const networks: Record<string, unknown> = {
      internal: {
        ipv4_address: allocation.addresses[slot.key],
        aliases: slot.role === 'service' ? [s.name] : [`${s.name}-exporter`],
      },
    };
    const edgeAddress = allocation.edgeAddresses[slot.key];
    if (slot.onEdge || (s.type === 'rabbitmq' && s.ui)) {
      networks.edge = {
        ...(edgeAddress ? { ipv4_address: edgeAddress } : {}),
        aliases: [
          slot.role === 'exporter'
            ? `${edgeHost(project.name, s.name)}-exporter`
            : edgeHost(project.name, s.name),
        ],
      };
    }
    const container: Record<string, unknown> = {
      image:
        slot.role === 'exporter'
          ? infraImage(ctx.spec, s.type === 'postgres' ? 'postgres-exporter' : 'redis-exporter')
          : serviceImage(ctx.spec, s),
      container_name: containerName(project.name, slot.key),
      restart: s.type === 'cron' ? 'no' : 'unless-stopped',
      init: true,
      labels: {
        ...labelsFor(ctx.spec, project.name, s.name, slot),
        [LABEL.type]: slot.role === 'exporter' ? 'exporter' : s.type,
        ...(slot.role === 'service' ? s.labels : {}),
        ...(s.type === 'cron' && slot.role === 'service'
          ? { [`${LABEL.service}.schedule`]: s.schedule.toString() }
          : {}),
      },
      logging: LOGGING,
      ...(slot.role === 'exporter'
        ? limits(resourcesOf(EXPORTER_RESOURCES[s.type as 'postgres' | 'redis']))
        : limits(s.resources)),
      ...(Object.keys(env.plain).length ? { environment: sorted(env.plain) } : {}),
      ...(secretFile ? { env_file: [secretFile] } : {}),
      networks,
    };
    const probe = slot.role === 'service' ? readinessProbe(project, s) : undefined;
    if (probe) (container.labels as Record<string, string>)[LABEL.probe] = probeLabel(probe);
    if (slot.role === 'service') Object.assign(container, serviceSpecifics(ctx, project, s, volumes));
    else container.depends_on = { [s.name]: { condition: 'service_healthy' } };
    if (s.build && slot.role === 'service') {
      // The context is relative to the spec's folder; the compose file lives elsewhere, so make it absolute.
      const context = resolve(dirname(resolve(ctx.spec.file)), s.build.context);
      container.build = { context, dockerfile: s.build.dockerfile, args: s.build.args };
    }
    services[slot.key] = container;
  }

  for (const s of project.services) {
    if (s.type === 'app' && s.release) services[`${s.name}-release`] = releaseJob(ctx, project, s, services);
    if (s.type === 'postgres' && s.backup) services[`${s.name}-backup`] = backupJob(ctx, project, s);
  }

  // No top-level `name`: docker-compose 1.x refuses it, and the folder's name (the project's) is the default.
  const compose = {
    services,
    networks: {
      internal: {
        name: internalNetwork(project.name),
        // A plain bridge, not `internal: true`: Docker does not publish ports of containers that are only on
        // internal networks, and data ports must reach 127.0.0.1. No other project or shared container joins it.
        driver: 'bridge',
        labels: { [LABEL.environment]: ctx.spec.environment, [LABEL.project]: project.name },
        ipam: { config: [{ subnet: allocation.internal, ip_range: dynamicRange(allocation.internal) }] },
      },
      edge: { name: edgeNetwork(project.name), external: true },
    },
    ...(Object.keys(volumes).length ? { volumes } : {}),
  };
  return compose;
}

function serviceSpecifics(
  ctx: RenderContext,
  project: Project,
  s: Service,
  volumes: Record<string, unknown>,
) {
  const allocation = ctx.plan.allocations[project.name]!;
  const out: Record<string, unknown> = {};
  const dependsOn: Record<string, unknown> = {};
  for (const u of s.uses) dependsOn[u] = { condition: 'service_healthy' };
  const mounts: string[] = [];
  for (const [name, path] of Object.entries(s.volumes)) {
    const v = volumeName(project.name, s.name, name);
    volumes[v] = { name: v, labels: volumeLabels(ctx, project.name, s.name) };
    mounts.push(`${v}:${path}`);
  }
  const hostPort = allocation.ports[s.name];
  const dataVolume = (path: string) => {
    const v = volumeName(project.name, s.name, 'data');
    volumes[v] = { name: v, labels: volumeLabels(ctx, project.name, s.name) };
    mounts.push(`${v}:${path}`);
  };
  switch (s.type) {
    case 'app': {
      if (s.command) out.command = s.command;
      const url = `http://127.0.0.1:${s.port}${s.health.path}`;
      out.healthcheck = healthcheck(
        ['CMD-SHELL', `curl -fsS -o /dev/null ${url} || wget -q -O /dev/null ${url} || exit 1`],
        s.health,
      );
      out.stop_grace_period = '30s';
      break;
    }
    case 'worker':
      if (s.command) out.command = s.command;
      if (s.health) out.healthcheck = healthcheck(['CMD-SHELL', s.health.command], s.health);
      break;
    case 'cron':
      out.command = s.command;
      out.profiles = ['cron'];
      break;
    case 'postgres':
      dataVolume('/var/lib/postgresql/data');
      out.ports = [`127.0.0.1:${hostPort}:${SERVICE_PORTS.postgres}`];
      out.command = ['postgres', '-c', `max_connections=${s.maxConnections}`];
      out.healthcheck = healthcheck(
        [
          'CMD-SHELL',
          `pg_isready -q -h 127.0.0.1 -U ${postgresUser(project, s)} -d ${postgresDatabase(project, s)}`,
        ],
        DATA_HEALTH,
      );
      out.shm_size = '128m';
      break;
    case 'redis': {
      const maxmemory = Math.floor(s.resources.memory.toBytes() * 0.8);
      if (s.persistence) dataVolume('/data');
      out.ports = [`127.0.0.1:${hostPort}:${SERVICE_PORTS.redis}`];
      // The password comes from the env file; `$$` keeps compose from interpolating it.
      out.command = [
        'sh',
        '-c',
        `exec redis-server --requirepass "$$REDIS_PASSWORD" --maxmemory ${maxmemory} --maxmemory-policy ${s.maxmemoryPolicy} --appendonly ${s.persistence ? 'yes' : 'no'}`,
      ];
      out.healthcheck = healthcheck(
        ['CMD-SHELL', 'redis-cli --no-auth-warning -a "$$REDIS_PASSWORD" ping | grep -q PONG'],
        DATA_HEALTH,
      );
      break;
    }
    case 'rabbitmq':
      dataVolume('/var/lib/rabbitmq');
      out.ports = [`127.0.0.1:${hostPort}:${SERVICE_PORTS.rabbitmq}`];
      out.hostname = `${project.name}-${s.name}`;
      out.healthcheck = healthcheck(['CMD', 'rabbitmq-diagnostics', '-q', 'ping'], DATA_HEALTH);
      break;
  }
  if (mounts.length) out.volumes = mounts;
  if (Object.keys(dependsOn).length) out.depends_on = dependsOn;
  return out;
}

// Every 10 s, as the engine's own default is calm: `up`'s health gate does not wait for this check
// (it asks the service itself, see readiness-probe.ts), and each check costs the container CPU.
const DATA_HEALTH = {
  interval: Duration.seconds(10),
  timeout: Duration.seconds(3),
  retries: 3,
  startPeriod: Duration.seconds(60),
};

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

function releaseJob(
  ctx: RenderContext,
  project: Project,
  s: Extract<Service, { type: 'app' }>,
  services: Record<string, unknown>,
) {
  const first = (services[`${s.name}-1`] ?? {}) as Record<string, unknown>;
  return {
    image: serviceImage(ctx.spec, s),
    container_name: containerName(project.name, `${s.name}-release`),
    command: ['sh', '-c', s.release],
    restart: 'no',
    profiles: ['release'],
    labels: { ...labelsFor(ctx.spec, project.name, s.name), [LABEL.role]: 'release' },
    logging: LOGGING,
    ...limits(s.resources),
    ...(first.environment ? { environment: first.environment } : {}),
    ...(first.env_file ? { env_file: first.env_file } : {}),
    networks: { internal: {} },
    ...(s.uses.length
      ? { depends_on: Object.fromEntries(s.uses.map((u) => [u, { condition: 'service_healthy' }])) }
      : {}),
  };
}

function backupJob(ctx: RenderContext, project: Project, s: Extract<Service, { type: 'postgres' }>) {
  return {
    image: serviceImage(ctx.spec, s),
    container_name: containerName(project.name, `${s.name}-backup`),
    restart: 'no',
    profiles: ['backup'],
    labels: { ...labelsFor(ctx.spec, project.name, s.name), [LABEL.role]: 'backup' },
    logging: LOGGING,
    environment: {
      PGHOST: s.name,
      PGUSER: postgresUser(project, s),
      PGDATABASE: postgresDatabase(project, s),
    },
    env_file: [`secrets/${s.name}-backup.env`],
    volumes: [`${ctx.spec.server.backupDir}/${project.name}:/backups`],
    command: ['sh', '-c', composeEscape(DUMP_SCRIPT)],
    networks: { internal: {} },
    depends_on: { [s.name]: { condition: 'service_healthy' } },
  };
}

/** Volumes carry the environment too, so `down --volumes` of one environment never matches another's. */
function volumeLabels(ctx: RenderContext, project: string, service: string): Record<string, string> {
  return { [LABEL.environment]: ctx.spec.environment, [LABEL.project]: project, [LABEL.service]: service };
}

function sorted(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

function header(project: string): string {
  return `# Rendered by stagecraft for project ${project}; edit staging.yaml, not this file.\n# Secret values live in secrets/*.env (mode 0600), written by \`stagecraft up\` or \`render --with-secrets\`.\n`;
}
