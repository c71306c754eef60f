import type {
  IContainer,
  IEnvVar,
  IPodSecurityContext,
  IProbe,
  ISecurityContext,
} from 'kubernetes-models/v1';
import { SERVICE_PORTS } from '../../model/index.ts';
import type { ContainerSlot } from '../../plan/index.ts';
import {
  Duration,
  EXPORTER_RESOURCES,
  type Project,
  type Resources,
  resourcesOf,
  type Service,
  type Spec,
} from '../../spec/index.ts';
import { type ContainerEnvironment, containerEnvironment, secretNamesIn } from '../container-environment.ts';
import { postgresDatabase, postgresUser } from '../credentials.ts';
import { infraImage, serviceImage } from '../images.ts';
import { secretsName } from './names.ts';

/**
 * Containers of the Kubernetes target: the compose target's environment, images and checks, as
 * container specs. Requests equal limits (Guaranteed QoS); secrets only as `secretKeyRef`s.
 */

/** Named container ports; NetworkPolicies and ServiceMonitors name them rather than repeat numbers. */
export const PORT_NAME = {
  http: 'http',
  metrics: 'metrics',
  postgres: 'postgres',
  redis: 'redis',
  amqp: 'amqp',
  management: 'management',
} as const;

/** The S3 upload and the restore check: steps of a backup Job beside the PostgreSQL image's own. */
export const JOB_STEP_RESOURCES = resourcesOf({ cpus: '0.25', memory: '256MiB' });

export function resources(r: Resources) {
  const amounts = { cpu: r.cpus.toKubernetes(), memory: r.memory.toKubernetes() };
  return { limits: amounts, requests: { ...amounts } };
}

/**
 * The kubelet expands `$(NAME)` in values and arguments; a literal `$(` from the spec is written `$$(`
 * so it reaches the process as typed.
 */
export function literal(text: string): string {
  return text.replaceAll('$(', '$$(');
}

const secretVar = (name: string) => `STAGECRAFT_SECRET_${name}`;

/**
 * Plain values as they are; a secret that is the whole value as a `secretKeyRef`; a value that
 * embeds secrets (a `DATABASE_URL`) as `$(…)` references to helper variables that come first,
 * since the kubelet expands only variables defined earlier in the list.
 */
export function envVars(project: Project, env: ContainerEnvironment): IEnvVar[] {
  const ref = (key: string) => ({ secretKeyRef: { name: secretsName(project.name), key } });
  const helpers = new Map<string, IEnvVar>();
  const composed: IEnvVar[] = [];
  for (const [name, template] of sortedEntries(env.secret)) {
    const used = secretNamesIn(template);
    if (used.length === 1 && template === `{{secret:${used[0]!.project}/${used[0]!.name}}}`) {
      composed.push({ name, valueFrom: ref(used[0]!.name) });
      continue;
    }
    let value = literal(template);
    for (const u of used) {
      helpers.set(u.name, { name: secretVar(u.name), valueFrom: ref(u.name) });
      value = value.replaceAll(`{{secret:${u.project}/${u.name}}}`, `$(${secretVar(u.name)})`);
    }
    composed.push({ name, value });
  }
  return [
    ...[...helpers.values()].sort((a, b) => a.name.localeCompare(b.name)),
    ...sortedEntries(env.plain).map(([name, value]) => ({ name, value: literal(value) })),
    ...composed,
  ];
}

/** The secret names a container's environment references (for ExternalSecrets). */
export function secretKeysOf(env: ContainerEnvironment): string[] {
  return Object.values(env.secret).flatMap((t) => secretNamesIn(t).map((u) => u.name));
}

function sortedEntries(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

const slotOf = (s: Service, role: ContainerSlot['role']): ContainerSlot => ({
  key: role === 'exporter' ? `${s.name}-exporter` : s.name,
  service: s.name,
  role,
  onEdge: false,
  onMetrics: false,
});

export function serviceEnvironment(spec: Spec, project: Project, s: Service): ContainerEnvironment {
  return containerEnvironment(spec, project, s, slotOf(s, 'service'));
}

/** Data services run as this user and group (the official images' `postgres`/`redis`/`rabbitmq`), owning their volume. */
export const DATA_USER = 999;

export function podSecurity(s: Service): IPodSecurityContext {
  const data = s.type === 'postgres' || s.type === 'redis' || s.type === 'rabbitmq';
  return {
    runAsNonRoot: true,
    ...(data ? { runAsUser: DATA_USER, runAsGroup: DATA_USER, fsGroup: DATA_USER } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Redis and the exporters write only to their volume: their root file system can be read-only. Apps' images are unknown. */
export function containerSecurity(readOnlyRoot: boolean): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: readOnlyRoot,
    capabilities: { drop: ['ALL'] },
  };
}

function checks(
  probe: Pick<IProbe, 'httpGet' | 'exec'>,
  h: { interval: Duration; timeout: Duration; retries: number; startPeriod: Duration },
) {
  const timing = {
    periodSeconds: Math.max(1, Math.round(h.interval.toSeconds())),
    timeoutSeconds: Math.max(1, Math.round(h.timeout.toSeconds())),
    failureThreshold: h.retries,
  };
  return {
    readinessProbe: { ...probe, ...timing } satisfies IProbe,
    livenessProbe: {
      ...probe,
      ...timing,
      initialDelaySeconds: Math.round(h.startPeriod.toSeconds()),
    } satisfies IProbe,
  };
}

/** The compose target's checks of data services: every 10 s, a minute to start. */
const DATA_CHECK = {
  interval: Duration.seconds(10),
  timeout: Duration.seconds(3),
  retries: 3,
  startPeriod: Duration.seconds(60),
};

const command = (c: string | string[]) => (typeof c === 'string' ? ['sh', '-c', literal(c)] : c.map(literal));

/**
 * A cluster pulls from registries: the `local` image set (built on the engine from Debian packages)
 * is not there, so the k8s target always names the registry images.
 */
export function clusterImage(spec: Spec, s: Service): string {
  return serviceImage({ ...spec, server: { ...spec.server, images: 'registry' } }, s);
}

/** The service's own container. */
export function mainContainer(spec: Spec, project: Project, s: Service): IContainer {
  const base: IContainer = {
    name: s.name,
    image: clusterImage(spec, s),
    env: envVars(project, serviceEnvironment(spec, project, s)),
    resources: resources(s.resources),
    securityContext: containerSecurity(s.type === 'redis'),
  };
  switch (s.type) {
    case 'app': {
      const ports: { name: string; containerPort: number }[] = [
        { name: PORT_NAME.http, containerPort: s.port },
      ];
      const metricsPort = s.metrics ? s.metrics.port : undefined;
      if (metricsPort && metricsPort !== s.port)
        ports.push({ name: PORT_NAME.metrics, containerPort: metricsPort });
      return {
        ...base,
        ...(s.command ? { command: command(s.command) } : {}),
        ports,
        ...checks({ httpGet: { path: s.health.path, port: PORT_NAME.http } }, s.health),
      };
    }
    case 'worker':
      return {
        ...base,
        ...(s.command ? { command: command(s.command) } : {}),
        ...(s.metrics ? { ports: [{ name: PORT_NAME.metrics, containerPort: s.metrics.port }] } : {}),
        ...(s.health ? checks({ exec: { command: ['sh', '-c', literal(s.health.command)] } }, s.health) : {}),
      };
    case 'cron':
      return { ...base, command: command(s.command) };
    case 'postgres':
      return {
        ...base,
        // The volume's root holds lost+found; initdb wants an empty folder.
        env: [...(base.env ?? []), { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }],
        args: ['postgres', '-c', `max_connections=${s.maxConnections}`],
        ports: [{ name: PORT_NAME.postgres, containerPort: SERVICE_PORTS.postgres }],
        volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
        ...checks(
          {
            exec: {
              command: [
                'pg_isready',
                '-q',
                '-h',
                '127.0.0.1',
                '-U',
                postgresUser(project, s),
                '-d',
                postgresDatabase(project, s),
              ],
            },
          },
          DATA_CHECK,
        ),
      };
    case 'redis': {
      const maxmemory = Math.floor(s.resources.memory.toBytes() * 0.8);
      return {
        ...base,
        args: [
          'redis-server',
          '--requirepass',
          '$(REDIS_PASSWORD)',
          '--maxmemory',
          String(maxmemory),
          '--maxmemory-policy',
          s.maxmemoryPolicy,
          '--appendonly',
          s.persistence ? 'yes' : 'no',
        ],
        ports: [{ name: PORT_NAME.redis, containerPort: SERVICE_PORTS.redis }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        ...checks(
          {
            exec: {
              command: ['sh', '-c', 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG'],
            },
          },
          DATA_CHECK,
        ),
      };
    }
    case 'rabbitmq':
      return {
        ...base,
        ports: [
          { name: PORT_NAME.amqp, containerPort: SERVICE_PORTS.rabbitmq },
          ...(s.ui ? [{ name: PORT_NAME.management, containerPort: SERVICE_PORTS.rabbitmqManagement }] : []),
        ],
        volumeMounts: [{ name: 'data', mountPath: '/var/lib/rabbitmq' }],
        ...checks({ exec: { command: ['rabbitmq-diagnostics', '-q', 'ping'] } }, DATA_CHECK),
      };
  }
}

/** The metrics exporter beside PostgreSQL or Redis, in the same pod. */
export function exporterContainer(
  spec: Spec,
  project: Project,
  s: Service & { type: 'postgres' | 'redis' },
): IContainer {
  const env = containerEnvironment(spec, project, s, slotOf(s, 'exporter'));
  const port = s.type === 'postgres' ? SERVICE_PORTS.postgresExporter : SERVICE_PORTS.redisExporter;
  return {
    name: 'exporter',
    image: infraImage({ ...spec, server: { ...spec.server, images: 'registry' } }, `${s.type}-exporter`)!,
    env: envVars(project, env),
    ports: [{ name: PORT_NAME.metrics, containerPort: port }],
    resources: resources(resourcesOf(EXPORTER_RESOURCES[s.type])),
    securityContext: containerSecurity(true),
  };
}

/** The port numbers the exporters listen on, by service type. */
export function exporterPort(s: Service): number | undefined {
  if (s.type === 'postgres' && s.exporter) return SERVICE_PORTS.postgresExporter;
  if (s.type === 'redis' && s.exporter) return SERVICE_PORTS.redisExporter;
  return undefined;
}
