import type { ILimitRange, IResourceQuota } from 'kubernetes-models/v1';
import {
  type Cpus,
  EXPORTER_RESOURCES,
  type Project,
  resourcesOf,
  Size,
  type Spec,
} from '../../spec/index.ts';
import { projectLabels, projectNamespace } from './names.ts';
import { type KubeObject, typed } from './object.ts';
import { JOB_STEP_RESOURCES } from './pod.ts';

export interface ProjectQuota {
  millicores: number;
  bytes: number;
  storageBytes: number;
  claims: number;
}

/** `projects.<p>.quota` (the libs branch adds it to the spec); typed here so this builds before and after. */
type WithQuota = Project & { quota?: { cpus?: Cpus; memory?: Size } };

/**
 * What the project may hold: `projects.<p>.quota` where the spec sets it, else the project at its
 * busiest (every replica plus the one a rolling update adds, one run of each cron job, the release
 * Job and the backup). A quota below the busiest stalls rolling updates and jobs at admission.
 */
export function projectQuota(project: WithQuota): ProjectQuota {
  const busiest = busiestUsage(project);
  return {
    ...busiest,
    millicores: project.quota?.cpus?.toMillicores() ?? busiest.millicores,
    bytes: project.quota?.memory?.toBytes() ?? busiest.bytes,
  };
}

function busiestUsage(project: Project): ProjectQuota {
  const q: ProjectQuota = { millicores: 0, bytes: 0, storageBytes: 0, claims: 0 };
  const add = (r: { cpus: { toMillicores(): number }; memory: { toBytes(): number } }, times = 1) => {
    q.millicores += r.cpus.toMillicores() * times;
    q.bytes += r.memory.toBytes() * times;
  };
  const defaultStorage = Size.gibibytes(1).toBytes();
  for (const s of project.services) {
    switch (s.type) {
      case 'app':
      case 'worker':
        add(s.resources, s.replicas > 0 ? s.replicas + 1 : 0);
        if (s.type === 'app' && s.release) add(s.resources);
        break;
      case 'cron':
        if (s.replicas > 0) add(s.resources);
        break;
      default: {
        add(s.resources, Math.min(s.replicas, 1));
        if ((s.type === 'postgres' || s.type === 'redis') && s.exporter)
          add(resourcesOf(EXPORTER_RESOURCES[s.type]));
        const storage = s.storage?.toBytes() ?? defaultStorage;
        if (s.type !== 'redis' || s.persistence) {
          q.storageBytes += storage;
          q.claims += 1;
        }
        if (s.type === 'postgres' && s.backup) {
          add(s.resources);
          if (s.backup.remote) add(JOB_STEP_RESOURCES);
          // the restore check: a scratch PostgreSQL and the check
          if (s.backup.verify) {
            add(s.resources);
            add(JOB_STEP_RESOURCES);
          }
          q.storageBytes += storage;
          q.claims += 1;
        }
      }
    }
    q.claims += Object.keys(s.volumes).length;
    q.storageBytes += Object.keys(s.volumes).length * defaultStorage;
  }
  return q;
}

const cpu = (millicores: number) => (millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`);

/** ResourceQuota from `projectQuota`, and a LimitRange that gives a container without limits a small default. */
export function quotaObjects(spec: Spec, project: Project): KubeObject[] {
  const q = projectQuota(project);
  const metadata = {
    name: project.name,
    namespace: projectNamespace(spec, project.name),
    labels: projectLabels(spec, project.name),
  };
  const memory = Size.bytes(q.bytes).toKubernetes();
  return [
    typed<IResourceQuota>({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata,
      spec: {
        hard: {
          'requests.cpu': cpu(q.millicores),
          'limits.cpu': cpu(q.millicores),
          'requests.memory': memory,
          'limits.memory': memory,
          'requests.storage': Size.bytes(q.storageBytes).toKubernetes(),
          persistentvolumeclaims: String(q.claims),
          'services.loadbalancers': '0',
          'services.nodeports': '0',
        },
      },
    }),
    typed<ILimitRange>({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata,
      spec: {
        limits: [
          {
            type: 'Container',
            default: { cpu: '100m', memory: '128Mi' },
            defaultRequest: { cpu: '100m', memory: '128Mi' },
          },
        ],
      },
    }),
  ];
}
