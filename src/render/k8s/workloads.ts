import type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import type { ICronJob, IJob } from 'kubernetes-models/batch/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type {
  IContainer,
  IPersistentVolumeClaim,
  IPersistentVolumeClaimSpec,
  IPodSpec,
  IService,
  IVolume,
} from 'kubernetes-models/v1';
import { SERVICE_PORTS, verifySchedule } from '../../model/index.ts';
import {
  type AppService,
  type PostgresService,
  type Project,
  type Service,
  Size,
  type Spec,
} from '../../spec/index.ts';
import {
  DUMP_SCRIPT,
  LOCAL_PRUNE_SCRIPT,
  RESTORE_CHECK_SCRIPT,
  SCRATCH_POSTGRES_SCRIPT,
  UPLOAD_SCRIPT,
} from '../backup/scripts.ts';
import { postgresDatabase, postgresUser } from '../credentials.ts';
import { objectLabels, type PodRole, projectNamespace, selectorLabels } from './names.ts';
import { type KubeObject, typed } from './object.ts';
import {
  clusterImage,
  containerSecurity,
  envVars,
  exporterContainer,
  exporterPort,
  JOB_STEP_RESOURCES,
  literal,
  mainContainer,
  PORT_NAME,
  podSecurity,
  resources,
  serviceEnvironment,
} from './pod.ts';

/** A data service's volume when the spec gives no `storage`. */
const DEFAULT_STORAGE = Size.gibibytes(1);

/**
 * A service's workload objects: Deployments for apps and workers (rolling, never below the wanted
 * replicas), StatefulSets with their own claims for data services behind a headless Service,
 * CronJobs for cron services and backups, the release step as an Argo CD Sync hook Job.
 */
export function serviceObjects(spec: Spec, project: Project, s: Service): KubeObject[] {
  const namespace = projectNamespace(spec, project.name);
  const meta = (name: string, role: PodRole = 'service') => ({
    name,
    namespace,
    labels: objectLabels(spec, project, s, role),
  });
  const pod = (containers: IContainer[], extra: Partial<IPodSpec> = {}, role: PodRole = 'service') => ({
    metadata: { labels: objectLabels(spec, project, s, role) },
    spec: {
      // Service links would put POSTGRES_PORT=tcp://… into every container, clobbering the images' own settings.
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      securityContext: podSecurity(s),
      containers,
      ...extra,
    } satisfies IPodSpec,
  });
  const out: KubeObject[] = [];
  switch (s.type) {
    case 'app':
    case 'worker': {
      out.push(
        typed<IDeployment>({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: meta(s.name),
          spec: {
            replicas: s.replicas,
            selector: { matchLabels: selectorLabels(project.name, s.name) },
            strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: pod([mainContainer(spec, project, s)], {
              terminationGracePeriodSeconds: 30,
              ...volumesOf(s),
            }),
          },
        }),
      );
      if (s.type === 'app') out.push(appService(meta(s.name), project, s));
      if (s.replicas > 1) {
        out.push(
          typed<IPodDisruptionBudget>({
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: meta(s.name),
            spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(project.name, s.name) } },
          }),
        );
      }
      if (s.type === 'app' && s.release)
        out.push(releaseJob(spec, project, s, meta(`${s.name}-release`, 'release'), pod));
      break;
    }
    case 'cron':
      out.push(
        typed<ICronJob>({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: meta(s.name),
          spec: {
            schedule: s.schedule.toString(),
            concurrencyPolicy: 'Forbid',
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            suspend: s.replicas === 0,
            jobTemplate: {
              spec: {
                backoffLimit: 0,
                activeDeadlineSeconds: Math.round(s.timeout.toSeconds()),
                template: pod([mainContainer(spec, project, s)], { restartPolicy: 'Never', ...volumesOf(s) }),
              },
            },
          },
        }),
      );
      break;
    case 'postgres':
    case 'redis':
    case 'rabbitmq': {
      const containers = [mainContainer(spec, project, s)];
      if ((s.type === 'postgres' || s.type === 'redis') && s.exporter)
        containers.push(exporterContainer(spec, project, s));
      const persistent = s.type !== 'redis' || s.persistence;
      out.push(
        typed<IStatefulSet>({
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: meta(s.name),
          spec: {
            serviceName: s.name,
            replicas: Math.min(s.replicas, 1),
            selector: { matchLabels: selectorLabels(project.name, s.name) },
            template: pod(containers, persistent ? {} : { volumes: [{ name: 'data', emptyDir: {} }] }),
            ...(persistent
              ? {
                  volumeClaimTemplates: [
                    { metadata: { name: 'data' }, spec: claimSpec(spec, s.storage ?? DEFAULT_STORAGE) },
                  ],
                }
              : {}),
          },
        }),
      );
      out.push(headlessService(meta(s.name), project, s));
      if (s.type === 'postgres' && s.backup) {
        out.push(...backupObjects(spec, project, s, meta(`${s.name}-backup`, 'backup'), pod));
        out.push(...restoreCheckObjects(spec, project, s, meta(`${s.name}-restore-check`, 'backup'), pod));
      }
      break;
    }
  }
  for (const [name] of Object.entries(s.volumes)) {
    out.push(claim(spec, meta(`${s.name}-${name}`), DEFAULT_STORAGE));
  }
  return out;
}

function claimSpec(spec: Spec, size: Size): IPersistentVolumeClaimSpec {
  const storageClass = spec.server.kubernetes.storageClass;
  return {
    accessModes: ['ReadWriteOnce'],
    ...(storageClass ? { storageClassName: storageClass } : {}),
    resources: { requests: { storage: size.toKubernetes() } },
  };
}

function claim(spec: Spec, metadata: IPersistentVolumeClaim['metadata'], size: Size): IPersistentVolumeClaim {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata, spec: claimSpec(spec, size) };
}

/** A service's named volumes (`volumes:` in the spec), each on a claim of its own. */
function volumesOf(s: Service): Partial<IPodSpec> {
  const entries = Object.entries(s.volumes);
  if (entries.length === 0) return {};
  return {
    volumes: entries.map(
      ([name]): IVolume => ({ name, persistentVolumeClaim: { claimName: `${s.name}-${name}` } }),
    ),
  };
}

function appService(metadata: IService['metadata'], project: Project, s: AppService): IService {
  const ports: { name: string; port: number; targetPort: string }[] = [
    { name: PORT_NAME.http, port: s.port, targetPort: PORT_NAME.http },
  ];
  const metricsPort = s.metrics ? s.metrics.port : undefined;
  if (metricsPort && metricsPort !== s.port)
    ports.push({ name: PORT_NAME.metrics, port: metricsPort, targetPort: PORT_NAME.metrics });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: { type: 'ClusterIP', selector: selectorLabels(project.name, s.name), ports },
  };
}

/** Clients reach the single pod by the service's name, as on the compose target. */
function headlessService(metadata: IService['metadata'], project: Project, s: Service): IService {
  const ports: { name: string; port: number; targetPort: string }[] = [];
  if (s.type === 'postgres')
    ports.push({ name: PORT_NAME.postgres, port: SERVICE_PORTS.postgres, targetPort: PORT_NAME.postgres });
  if (s.type === 'redis')
    ports.push({ name: PORT_NAME.redis, port: SERVICE_PORTS.redis, targetPort: PORT_NAME.redis });
  if (s.type === 'rabbitmq') {
    ports.push({ name: PORT_NAME.amqp, port: SERVICE_PORTS.rabbitmq, targetPort: PORT_NAME.amqp });
    if (s.ui)
      ports.push({
        name: PORT_NAME.management,
        port: SERVICE_PORTS.rabbitmqManagement,
        targetPort: PORT_NAME.management,
      });
  }
  const exporter = exporterPort(s);
  if (exporter) ports.push({ name: PORT_NAME.metrics, port: exporter, targetPort: PORT_NAME.metrics });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: { clusterIP: 'None', selector: selectorLabels(project.name, s.name), ports },
  };
}

type PodBuilder = (
  containers: IContainer[],
  extra?: Partial<IPodSpec>,
  role?: PodRole,
) => NonNullable<IDeployment['spec']>['template'];

/** `release:` runs in every sync that changes the project (an Argo CD Sync hook, between the data services and the apps; see syncWave), in the app's image and environment. */
function releaseJob(
  spec: Spec,
  project: Project,
  s: AppService,
  metadata: IJob['metadata'],
  pod: PodBuilder,
): IJob {
  const container: IContainer = {
    name: 'release',
    image: clusterImage(spec, s),
    command: ['sh', '-c', literal(s.release!)],
    env: envVars(project, serviceEnvironment(spec, project, s)),
    resources: resources(s.resources),
    securityContext: containerSecurity(false),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      ...metadata,
      annotations: {
        'argocd.argoproj.io/hook': 'Sync',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      },
    },
    spec: { backoffLimit: 0, template: pod([container], { restartPolicy: 'Never' }, 'release') },
  };
}

/** The S3 client of the upload step (the AWS CLI version its script is tested with). */
export const S3_CLIENT_IMAGE = 'amazon/aws-cli:2.9.19';

/**
 * The nightly dump: the compose target's dump script on the schedule of `backup:`, one at a time,
 * into a claim of its own (`<db>-backups`), pruned there to `keep`. With `remote`, an upload step
 * after it copies the dump to S3 and prunes the remote copies to `remote.keep`, as `serve` does on
 * a server; dumps are named alike (`<project>-<db>-<UTC time>`), so the two targets share a bucket.
 */
function backupObjects(
  spec: Spec,
  project: Project,
  s: PostgresService,
  metadata: NonNullable<ICronJob['metadata']>,
  pod: PodBuilder,
): KubeObject[] {
  const backup = s.backup || undefined;
  if (!backup) return [];
  const env = serviceEnvironment(spec, project, s);
  const series = `${project.name}-${s.name}`;
  const keep = (prefix: string, k: { daily: number; weekly: number; monthly: number }) => [
    { name: `${prefix}_DAILY`, value: String(k.daily) },
    { name: `${prefix}_WEEKLY`, value: String(k.weekly) },
    { name: `${prefix}_MONTHLY`, value: String(k.monthly) },
  ];
  const work = { name: 'work', mountPath: '/work' };
  const dump: IContainer = {
    name: 'backup',
    image: clusterImage(spec, s),
    command: [
      'sh',
      '-c',
      literal(
        `export BACKUP_NAME="$BACKUP_SERIES-$(date -u +%Y%m%dT%H%M%SZ)"\n${DUMP_SCRIPT}${LOCAL_PRUNE_SCRIPT}`,
      ),
    ],
    env: [
      ...envVars(project, { plain: {}, secret: { POSTGRES_PASSWORD: env.secret.POSTGRES_PASSWORD! } }),
      { name: 'PGHOST', value: s.name },
      { name: 'PGUSER', value: postgresUser(project, s) },
      { name: 'PGDATABASE', value: postgresDatabase(project, s) },
      { name: 'BACKUP_SERIES', value: series },
      { name: 'WORK_DIR', value: '/work' },
      ...keep('KEEP', backup.keep),
    ],
    volumeMounts: [{ name: 'backups', mountPath: '/backups' }, { name: 'tmp', mountPath: '/tmp' }, work],
    resources: resources(s.resources),
    securityContext: containerSecurity(true),
  };
  const remote = backup.remote;
  const upload: IContainer | undefined = remote && {
    name: 'upload',
    image: S3_CLIENT_IMAGE,
    command: ['sh', '-c', literal(UPLOAD_SCRIPT)],
    env: [
      ...envVars(project, {
        plain: {},
        secret: {
          AWS_ACCESS_KEY_ID: `{{secret:${project.name}/${remote.accessKey.secret}}}`,
          AWS_SECRET_ACCESS_KEY: `{{secret:${project.name}/${remote.secretKey.secret}}}`,
        },
      }),
      { name: 'AWS_DEFAULT_REGION', value: remote.region },
      ...(remote.endpoint ? [{ name: 'S3_ENDPOINT', value: remote.endpoint }] : []),
      { name: 'REMOTE_URL', value: literal(remote.url.replace(/\/+$/, '')) },
      { name: 'BACKUP_DIR', value: '/backups' },
      { name: 'BACKUP_SERIES', value: series },
      { name: 'WORK_DIR', value: '/work' },
      { name: 'HOME', value: '/work' },
      ...keep('REMOTE_KEEP', remote.keep),
    ],
    volumeMounts: [{ name: 'backups', mountPath: '/backups', readOnly: true }, work],
    resources: resources(JOB_STEP_RESOURCES),
    securityContext: containerSecurity(true),
  };
  const claimName = metadata.name!.replace(/-backup$/, '-backups');
  return [
    claim(spec, { ...metadata, name: claimName }, s.storage ?? DEFAULT_STORAGE),
    typed<ICronJob>({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata,
      spec: {
        schedule: backup.schedule.toString(),
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 1,
            template: pod(
              upload ? [upload] : [dump],
              {
                restartPolicy: 'Never',
                // Init containers run to completion in order: the upload starts once the dump is whole.
                ...(upload ? { initContainers: [dump] } : {}),
                volumes: [
                  { name: 'backups', persistentVolumeClaim: { claimName } },
                  { name: 'tmp', emptyDir: {} },
                  { name: 'work', emptyDir: {} },
                ],
              },
              'backup',
            ),
          },
        },
      },
    }),
  ];
}

/**
 * `backup.verify`: the restore check of the compose target on its schedule, in a pod of its own: a
 * scratch PostgreSQL as a native sidecar (an init container that keeps running; Kubernetes 1.29+)
 * reachable only through its socket, and the check restoring the newest dump of the claim into it.
 * A failed check is a failed Job, which the cluster's job alerts report.
 */
function restoreCheckObjects(
  spec: Spec,
  project: Project,
  s: PostgresService,
  metadata: NonNullable<ICronJob['metadata']>,
  pod: PodBuilder,
): KubeObject[] {
  const backup = s.backup || undefined;
  if (!backup?.verify) return [];
  const socket = { name: 'socket', mountPath: '/var/run/postgresql' };
  const scratch: IContainer = {
    name: 'scratch',
    image: clusterImage(spec, s),
    restartPolicy: 'Always',
    command: ['sh', '-c', literal(SCRATCH_POSTGRES_SCRIPT)],
    env: [{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }],
    startupProbe: {
      exec: { command: ['pg_isready', '-q', '-h', socket.mountPath] },
      periodSeconds: 2,
      failureThreshold: 150,
    },
    volumeMounts: [{ name: 'scratch', mountPath: '/var/lib/postgresql/data' }, socket],
    resources: resources(s.resources),
    securityContext: containerSecurity(false),
  };
  const check: IContainer = {
    name: 'restore-check',
    image: clusterImage(spec, s),
    command: ['sh', '-c', literal(RESTORE_CHECK_SCRIPT)],
    env: [
      { name: 'PGHOST', value: socket.mountPath },
      { name: 'PGUSER', value: 'postgres' },
      { name: 'PGDATABASE', value: 'postgres' },
      { name: 'BACKUP_SERIES', value: `${project.name}-${s.name}` },
      { name: 'WORK_DIR', value: '/work' },
    ],
    volumeMounts: [
      { name: 'backups', mountPath: '/backups', readOnly: true },
      { name: 'work', mountPath: '/work' },
      socket,
    ],
    resources: resources(JOB_STEP_RESOURCES),
    securityContext: containerSecurity(true),
  };
  const claimName = `${s.name}-backups`;
  return [
    typed<ICronJob>({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata,
      spec: {
        schedule: verifySchedule(backup.schedule, backup.verify).toString(),
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 0,
            template: pod(
              [check],
              {
                restartPolicy: 'Never',
                initContainers: [scratch],
                volumes: [
                  { name: 'backups', persistentVolumeClaim: { claimName, readOnly: true } },
                  { name: 'scratch', emptyDir: {} },
                  { name: 'socket', emptyDir: {} },
                  { name: 'work', emptyDir: {} },
                ],
              },
              'backup',
            ),
          },
        },
      },
    }),
  ];
}
