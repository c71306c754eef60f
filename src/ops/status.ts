import type Docker from 'dockerode';
import { isLocalEngine } from '../drivers/docker/client.ts';
import { listEnvironment } from '../drivers/docker/listing.ts';
import { readyWhileStarting } from '../drivers/readiness.ts';
import { LABEL } from '../model/index.ts';
import type { Spec } from '../spec/index.ts';
import type { StateStore } from '../state/index.ts';

/** One container of the environment as `status` shows it (and `status --json` prints it, in this key order). */
export interface ContainerStatus {
  project: string;
  service: string;
  replica: string;
  state: string;
  /** The engine's word (`healthy`, `unhealthy`, `starting`); null without a healthcheck. */
  health: string | null;
  /** Only while `starting`: whether the service already answers its readiness probe. */
  answers?: boolean;
  image: string;
  /** The digest its image ran as, as its project's last release recorded it; else the engine's image ID. */
  digest: string;
  ports: string[];
  routes: string[];
  /** With the reason `up` recorded when it failed (which gate, and why: exited, OOM-killed, unhealthy, too slow). */
  lastRelease: { status: string; at: string; reason?: string } | null;
  lastBackup: { id: string; at: string; verified: string | null } | null;
}

/** Every container of the environment with its project's last release and its database's last backup, by project and name. */
export async function environmentStatus(
  docker: Docker,
  spec: Spec,
  store: StateStore,
): Promise<ContainerStatus[]> {
  const releases = await store.listReleases();
  const backups = await store.listBackups();
  const listed = await listEnvironment(docker, spec.environment);
  // Until the engine's first check, a service may already answer (up's gate passed on that).
  const answering = isLocalEngine(docker) ? await readyWhileStarting(listed) : new Set<string>();
  const lastBackupOf = (project: string, service: string) => {
    const b = backups.filter((x) => x.project === project && x.service === service).at(-1);
    return b ? { id: b.id, at: b.createdAt, verified: b.verified } : null;
  };
  const rows = listed.map((c): ContainerStatus => {
    const project = c.labels[LABEL.project] ?? '';
    const service = c.labels[LABEL.service] ?? '';
    const s = spec.projects.find((x) => x.name === project)?.services.find((x) => x.name === service);
    const last = releases.filter((r) => r.project === project).at(-1);
    return {
      project,
      service,
      replica: c.name,
      state: c.state,
      health: c.health ?? null,
      ...(c.health === 'starting' ? { answers: answering.has(c.name) } : {}),
      image: c.image,
      digest: last?.digests?.[service] ?? c.imageId,
      ports: c.published,
      routes: s?.type === 'app' ? s.resolvedRoutes.map((r) => `${r.host}${r.path}`) : [],
      lastRelease: last
        ? { status: last.status, at: last.createdAt, ...(last.reason ? { reason: last.reason } : {}) }
        : null,
      lastBackup: c.labels[LABEL.type] === 'postgres' ? lastBackupOf(project, service) : null,
    };
  });
  return rows.sort((a, b) => a.project.localeCompare(b.project) || a.replica.localeCompare(b.replica));
}
