import { z } from 'zod';
import {
  absolutePath,
  cidr,
  cpus,
  cron,
  duration,
  hostname,
  imageRef,
  imageTag,
  percent,
  plainName,
  port,
  rateLimit,
  relativePath,
  secretName,
  secretRef,
  size,
  strict,
  urlPath,
  volumeName,
} from './fields.ts';

/**
 * The whole schema of `staging.yaml` (the README describes it). Defaults live here, so the
 * parsed model is complete; what depends on other fields (domains, routes) is resolved after.
 */

const resources = () => strict({ cpus: cpus().optional(), memory: size().optional() });

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** How often and how long the engine probes a container: 0s would probe without pause. */
const probeTiming = {
  interval: duration({ min: '1s', max: '1h' }).prefault('10s'),
  timeout: duration({ min: '1s', max: '1h' }).prefault('3s'),
  retries: z.int().min(1).max(100).prefault(3),
  startPeriod: duration({ min: '0s', max: '1h' }).prefault('10s'),
};

const health = strict({ path: urlPath().prefault('/health'), ...probeTiming });

const commandHealth = strict({ command: z.string().min(1), ...probeTiming });

const build = strict({
  context: relativePath(),
  dockerfile: relativePath().prefault('Dockerfile'),
  args: z.record(z.string(), envValue).prefault({}),
});

const route = strict({ host: hostname().optional(), path: urlPath().prefault('/') });

/** Fields every service type shares. */
const common = {
  image: imageRef().optional(),
  build: build.optional(),
  replicas: z.int().min(0).max(100).prefault(1),
  resources: resources().optional(),
  env: z.record(z.string(), envValue).prefault({}),
  secrets: z.array(secretName()).prefault([]),
  volumes: z.record(volumeName(), absolutePath()).prefault({}),
  uses: z.array(z.string()).prefault([]),
  labels: z.record(plainName('the label key'), z.string()).prefault({}),
};

const command = z.union([z.string().min(1), z.array(z.string()).min(1)]);

const app = strict({
  type: z.literal('app'),
  ...common,
  port: port().prefault(8000),
  command: command.optional(),
  routes: z.array(route).optional(),
  health: health.prefault({}),
  metrics: z
    .union([strict({ path: urlPath().prefault('/metrics'), port: port().optional() }), z.literal(false)])
    .optional(),
  release: z.string().min(1).optional(),
});

const worker = strict({
  type: z.literal('worker'),
  ...common,
  command: command.optional(),
  health: commandHealth.optional(),
  metrics: strict({ path: urlPath().prefault('/metrics'), port: port() }).optional(),
});

const cronJob = strict({
  type: z.literal('cron'),
  ...common,
  schedule: cron(),
  command: command,
  timeout: duration({ min: '1s', max: '7d' }).prefault('1h'),
});

const keep = strict({
  daily: z.int().min(0).max(3660).prefault(7),
  weekly: z.int().min(0).max(520).prefault(4),
  monthly: z.int().min(0).max(120).prefault(6),
});

const remoteBackup = strict({
  url: z.string().regex(/^s3:\/\/[a-z0-9.-]+(\/.*)?$/, {
    error: (iss) => `"${iss.input}" is not an S3 location: write s3://BUCKET/PREFIX`,
  }),
  endpoint: z.url().optional(),
  region: plainName('the region').prefault('us-east-1'),
  accessKey: secretRef(),
  secretKey: secretRef(),
  keep: strict({
    daily: z.int().min(0).max(3660).prefault(30),
    weekly: z.int().min(0).max(520).prefault(0),
    monthly: z.int().min(0).max(120).prefault(0),
  }).prefault({ daily: 30, weekly: 0, monthly: 0 }),
});

const backup = strict({
  schedule: cron().prefault('0 2 * * *'),
  keep: keep.prefault({ daily: 7, weekly: 4, monthly: 6 }),
  verify: z.union([z.enum(['daily', 'weekly', 'monthly']), z.literal(false)]).prefault('weekly'),
  remote: remoteBackup.optional(),
});

const postgres = strict({
  type: z.literal('postgres'),
  ...common,
  version: imageTag().prefault('15'),
  storage: size().optional(),
  database: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  maxConnections: z.int().min(5).max(10000).prefault(100),
  exporter: z.boolean().prefault(true),
  backup: z.union([backup, z.literal(false)]).optional(),
});

const redis = strict({
  type: z.literal('redis'),
  ...common,
  version: imageTag().prefault('7'),
  storage: size().optional(),
  maxmemoryPolicy: z
    .enum([
      'noeviction',
      'allkeys-lru',
      'allkeys-lfu',
      'volatile-lru',
      'volatile-lfu',
      'allkeys-random',
      'volatile-random',
      'volatile-ttl',
    ])
    .prefault('allkeys-lru'),
  persistence: z.boolean().prefault(true),
  exporter: z.boolean().prefault(true),
});

const rabbitmq = strict({
  type: z.literal('rabbitmq'),
  ...common,
  version: imageTag().prefault('3'),
  storage: size().optional(),
  vhost: plainName('the vhost').optional(),
  ui: z.boolean().prefault(false),
});

export const SERVICE_TYPES = ['app', 'worker', 'cron', 'postgres', 'redis', 'rabbitmq'] as const;

const service = z.discriminatedUnion('type', [app, worker, cronJob, postgres, redis, rabbitmq], {
  error: (iss) => {
    if (iss.code !== 'invalid_union') return undefined;
    return `a service needs a type: one of ${SERVICE_TYPES.join(', ')}`;
  },
});

export const ROLES = ['viewer', 'editor', 'admin'] as const;
const role = z.enum(ROLES);

/** A user of the control plane: the name a token is created for (`stagecraft tokens create USER`). */
export const userName = () =>
  z.string().regex(/^[a-z_][a-z0-9_.@-]{0,63}$/, {
    error: (iss) =>
      `"${iss.input}" is not a user name: use lowercase letters, digits and _ . @ -, starting with a letter or _`,
  });

const teamName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, {
  error: (iss) =>
    `"${iss.input}" is not a team name: use letters, digits, _ and -, starting with a letter or _`,
});

/**
 * `deploy.analysis`: after a deploy's gates, watch the project's apps at the proxy for `window`;
 * a threshold left out takes the one of `shared.alerts` (resolved where it is used).
 */
const analysis = strict({
  window: duration({ min: '5s', max: '1h' }).prefault('3m'),
  errorRate: percent().optional(),
  latencyP95: duration({ min: '1ms', max: '1h' }).optional(),
  minRequests: z.int().min(1).max(1_000_000).prefault(20),
});

const project = strict({
  domain: hostname().optional(),
  access: z.record(z.string(), role).prefault({}),
  /** A cap on the project's own limits; the Kubernetes target's ResourceQuota. */
  quota: resources().optional(),
  alerts: strict({ receiver: z.string().optional() }).prefault({}),
  /** Per-branch copies of the project (`stagecraft preview up`; README, "Previews"). */
  previews: strict({
    ttl: duration({ min: '1m', max: '365d' }).prefault('72h'),
    max: z.int().min(0).max(100).prefault(3),
    data: z.enum(['empty', 'from-backup']).prefault('empty'),
  }).prefault({}),
  deploy: strict({ analysis: analysis.optional() }).prefault({}),
  services: z.record(z.string(), service),
});

const disabled = z.literal(false);

const prometheus = strict({
  retention: duration({ min: '1h', max: '3660d' }).prefault('15d'),
  scrapeInterval: duration({ min: '1s', max: '1h' }).prefault('15s'),
  resources: resources().optional(),
});

const receiver = strict({
  name: z.string().min(1),
  email: z.email().optional(),
  slack: strict({ secret: secretName(), channel: z.string().optional() }).optional(),
  webhook: strict({ secret: secretName() }).optional(),
});

const alertmanager = strict({
  receivers: z.array(receiver).prefault([]),
  smtp: strict({
    smarthost: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}:\d{1,5}$/, { error: 'write the SMTP server as host:port' }),
    from: z.email(),
    username: z.string().optional(),
    password: secretRef().optional(),
    requireTls: z.boolean().prefault(true),
  }).optional(),
  groupWait: duration({ min: '0s', max: '1d' }).prefault('30s'),
  groupInterval: duration({ min: '1s', max: '1d' }).prefault('5m'),
  repeatInterval: duration({ min: '1m', max: '30d' }).prefault('4h'),
  resources: resources().optional(),
});

/** How long a condition holds before an alert fires: 0s fires at once; past a day it never helps. */
const holdFor = () => duration({ min: '0s', max: '1d' });

const threshold = (above: string, forDuration: string) =>
  z.union([strict({ above: percent().prefault(above), for: holdFor().prefault(forDuration) }), disabled]);

const alerts = strict({
  cpu: threshold('80%', '5m').prefault({ above: '80%', for: '5m' }),
  memory: threshold('85%', '5m').prefault({ above: '85%', for: '5m' }),
  disk: threshold('90%', '5m').prefault({ above: '90%', for: '5m' }),
  errorRate: threshold('5%', '2m').prefault({ above: '5%', for: '2m' }),
  latencyP95: z
    .union([
      strict({ above: duration({ min: '1ms', max: '1h' }).prefault('2s'), for: holdFor().prefault('5m') }),
      disabled,
    ])
    .prefault({ above: '2s', for: '5m' }),
  down: z.union([strict({ for: holdFor().prefault('3m') }), disabled]).prefault({ for: '3m' }),
  certExpiry: z
    .union([strict({ within: duration({ min: '1d', max: '365d' }).prefault('14d') }), disabled])
    .prefault({ within: '14d' }),
  backupAge: z
    .union([strict({ above: duration({ min: '1h', max: '365d' }).prefault('26h') }), disabled])
    .prefault({ above: '26h' }),
});

/** `shared.registryMirror`: a pull-through cache of one registry, published on 127.0.0.1 only. */
const registryMirror = strict({
  upstream: z.url({ protocol: /^https?$/ }).prefault('https://registry-1.docker.io'),
  port: port().prefault(5000),
  /** The size alert's threshold for the cache's volume. */
  alertAbove: size().prefault('20GiB'),
  resources: resources().optional(),
});

const shared = strict({
  proxy: strict({
    tls: z.enum(['letsencrypt', 'selfsigned', 'none']).prefault('selfsigned'),
    email: z.email().optional(),
    rateLimit: rateLimit().optional(),
    burst: z.int().min(0).max(100_000).prefault(20),
    resources: resources().optional(),
  }).prefault({ tls: 'selfsigned', burst: 20 }),
  monitoring: strict({
    prometheus: z.union([prometheus, disabled]).prefault({}),
    grafana: z.union([strict({ resources: resources().optional() }), disabled]).prefault({}),
    loki: z
      .union([
        strict({
          retention: duration({ min: '1d', max: '3660d' }).prefault('14d'),
          resources: resources().optional(),
        }),
        disabled,
      ])
      .prefault({}),
    alertmanager: z.union([alertmanager, disabled]).prefault({}),
    nodeExporter: z.boolean().prefault(true),
    cadvisor: z.boolean().prefault(true),
  }).prefault({}),
  registryMirror: z
    .union([disabled, z.literal(true).transform(() => registryMirror.parse({})), registryMirror])
    .prefault(false),
  alerts: alerts.prefault({}),
});

/** `render --target k8s`: the cluster the kustomize tree is for (spec.md, "render --target k8s"). */
const kubernetes = strict({
  version: z
    .string()
    .regex(/^1\.\d+$/, { error: (iss) => `"${iss.input}" is not a Kubernetes version: write it as 1.31` })
    .prefault('1.31'),
  ingress: z.enum(['nginx', 'istio']).prefault('nginx'),
  storageClass: z.string().min(1).optional(),
  secrets: z.union([z.literal('manual'), strict({ external: z.string().min(1) })]).prefault('manual'),
  gitops: strict({
    repo: z.string().min(1),
    branch: z.string().min(1).prefault('main'),
    path: z.string().prefault(''),
  }).optional(),
});

const portRange = z.union([port(), strict({ from: port(), to: port() })]);

export const specSchema = strict({
  version: z.literal(1, { error: 'version must be 1 (the only spec version so far)' }),
  environment: z.enum(['staging', 'production', 'preview']).prefault('staging'),
  server: strict({
    host: z
      .string()
      // The user and host reach ssh's argv: a leading - would be read as an option.
      .regex(/^(local|ssh:\/\/([a-z_][a-z0-9_.-]{0,31}@)?[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:\d{1,5})?)$/, {
        error: (iss) => `"${iss.input}" is not a server: write local or ssh://user@host`,
      })
      .prefault('local'),
    domain: hostname().optional(),
    capacity: strict({ cpus: cpus(), memory: size(), disk: size().optional() }),
    reserve: strict({ cpus: cpus().optional(), memory: size().optional(), disk: size().optional() }).prefault(
      {},
    ),
    // How many times capacity - reserve the limits may add up to: CPU limits are caps, not reservations.
    overcommit: strict({
      cpus: z.number().min(1).prefault(2),
      memory: z.number().min(1).prefault(1),
    }).prefault({}),
    cost: strict({
      monthly: z.number().min(0),
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, { error: 'write the currency as a 3-letter code such as USD' })
        .prefault('USD'),
      shared: percent().optional(),
    }).optional(),
    listen: strict({ http: port().prefault(80), https: port().prefault(443) }).prefault({
      http: 80,
      https: 443,
    }),
    images: z
      .union([z.enum(['registry', 'local']), strict({ mirror: z.string().min(1) })], {
        error: 'images is registry, local or { mirror: PREFIX }',
      })
      .prefault('registry'),
    registries: z
      .record(
        z
          .string()
          .regex(/^[a-z0-9.-]+(:\d+)?$/i, { error: 'a registry is host[:port], as in image references' }),
        strict({ username: z.string().min(1), password: secretRef() }),
      )
      .prefault({}),
    backupDir: absolutePath().prefault('/opt/backups'),
    kubernetes: kubernetes.prefault({}),
    /** For `tls: letsencrypt`: the ACME server (another one, such as Pebble, for tests) and its account's email. */
    acme: strict({
      directory: z.url({ protocol: /^https?$/ }).prefault('https://acme-v02.api.letsencrypt.org/directory'),
      email: z.email().optional(),
    }).prefault({}),
  }),
  network: strict({
    shared: cidr().prefault('172.19.0.0/16'),
    projects: cidr().prefault('172.20.0.0/14'),
    projectSize: z.int().min(8).max(28).prefault(20),
  }).prefault({}),
  ports: strict({
    postgres: portRange.prefault(5432),
    redis: portRange.prefault(6379),
    rabbitmq: portRange.prefault(5672),
    app: portRange.prefault(8000),
  }).prefault({}),
  shared: shared.prefault({}),
  /** Team → its users; `projects.<p>.access` gives teams a role on a project. */
  teams: z.record(teamName, z.array(userName())).prefault({}),
  projects: z.record(z.string(), project).prefault({}),
});

export type SpecInput = z.input<typeof specSchema>;
export type ParsedSpec = z.output<typeof specSchema>;
