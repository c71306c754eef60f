import type Docker from 'dockerode';
import { volumeSizes } from '../drivers/docker/volume-size.ts';
import { sharedVolume } from '../model/index.ts';
import type { Artifact } from '../render/index.ts';
import type { Spec } from '../spec/index.ts';
import type { StateStore } from '../state/index.ts';
import { installedCertificates } from './certificates/installed.ts';
import type { DriftCount } from './drift.ts';
import { type Job, jobKey } from './schedule.ts';
import { latestRunEvents } from './serve.ts';

/**
 * The control plane's `/metrics`: what the alert rules of render/prometheus read (backup age,
 * certificate expiry, failed cron runs), in Prometheus' text exposition format. Prometheus scrapes
 * it with `honor_labels`, so the `project` and `service` here name what each series is about.
 */

export interface BackupFacts {
  project: string;
  service: string;
  /** The newest backup's time; absent when there is none yet. */
  lastSuccess?: Date;
  /** When a restore of one of its backups last passed verification. */
  restoreVerified?: Date;
  /** Whether its last backup run (scheduled or asked for) succeeded; absent before the first. */
  lastRunOk?: boolean;
}

export interface CronFacts {
  project: string;
  service: string;
  ok: boolean;
  /** When the last run started. */
  at: Date;
}

export interface CertificateFacts {
  domain: string;
  expiresAt: Date;
}

/** A volume of the shared stack whose size an alert watches (the registry mirror's cache). */
export interface VolumeFacts {
  project: string;
  service: string;
  volume: string;
  bytes: number;
}

export interface MetricsFacts {
  backups: BackupFacts[];
  cron: CronFacts[];
  certificates: CertificateFacts[];
  /** Per project and kind, once the control plane has looked at the engine (`ops/drift.ts`). */
  drift?: DriftCount[];
  /** Per project, when the deploy analysis last rolled a release back. */
  rollbacks?: { project: string; at: Date }[];
  volumes?: VolumeFacts[];
}

interface Family {
  name: string;
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

/** The exposition text (format 0.0.4): a family with no samples is left out. */
export function metricsText(facts: MetricsFacts): string {
  const seconds = (d: Date) => d.getTime() / 1000;
  const families: Family[] = [
    {
      name: 'stagecraft_backup_last_success_timestamp_seconds',
      help: 'When the newest backup of a database was taken (Unix time).',
      samples: facts.backups.flatMap((b) =>
        b.lastSuccess
          ? [{ labels: { project: b.project, service: b.service }, value: seconds(b.lastSuccess) }]
          : [],
      ),
    },
    {
      name: 'stagecraft_backup_last_run_success',
      help: 'Whether the last backup run of a database succeeded (1) or failed (0).',
      samples: facts.backups.flatMap((b) =>
        b.lastRunOk === undefined
          ? []
          : [{ labels: { project: b.project, service: b.service }, value: b.lastRunOk ? 1 : 0 }],
      ),
    },
    {
      name: 'stagecraft_restore_verified_timestamp_seconds',
      help: 'When a restore of a backup of a database last passed verification (Unix time).',
      samples: facts.backups.flatMap((b) =>
        b.restoreVerified
          ? [{ labels: { project: b.project, service: b.service }, value: seconds(b.restoreVerified) }]
          : [],
      ),
    },
    {
      name: 'stagecraft_cron_last_run_success',
      help: 'Whether the last scheduled run of a cron service succeeded (1) or failed (0).',
      samples: facts.cron.map((c) => ({
        labels: { project: c.project, service: c.service },
        value: c.ok ? 1 : 0,
      })),
    },
    {
      name: 'stagecraft_cron_last_run_timestamp_seconds',
      help: 'When the last scheduled run of a cron service started (Unix time).',
      samples: facts.cron.map((c) => ({
        labels: { project: c.project, service: c.service },
        value: seconds(c.at),
      })),
    },
    {
      name: 'stagecraft_certificate_expiry_timestamp_seconds',
      help: 'When the TLS certificate the shared proxy serves for a domain expires (Unix time).',
      samples: facts.certificates.map((c) => ({ labels: { domain: c.domain }, value: seconds(c.expiresAt) })),
    },
    {
      name: 'stagecraft_drift',
      help: 'Containers that differ from the spec on the engine, by kind (changed, stopped, missing, unexpected, network).',
      samples: (facts.drift ?? []).map((d) => ({
        labels: { project: d.project, kind: d.kind },
        value: d.count,
      })),
    },
    {
      name: 'stagecraft_deploy_rolled_back_timestamp_seconds',
      help: 'When the deploy analysis last rolled a release of the project back (Unix time).',
      samples: (facts.rollbacks ?? []).map((r) => ({ labels: { project: r.project }, value: seconds(r.at) })),
    },
    {
      name: 'stagecraft_volume_size_bytes',
      help: 'The bytes a watched volume holds, as the engine counts them.',
      samples: (facts.volumes ?? []).map((v) => ({
        labels: { project: v.project, service: v.service, volume: v.volume },
        value: v.bytes,
      })),
    },
  ];
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${s.value}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function labelText(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

/**
 * The facts from the store, for the scheduled jobs only (a project removed from the spec must not
 * keep alerting): each backed-up database's newest backup, whether its newest run succeeded, and
 * its newest passed restore check, and each cron service's newest run event.
 */
export async function metricsFacts(
  store: StateStore,
  jobs: readonly Job[],
  certificates: CertificateFacts[] = [],
): Promise<MetricsFacts> {
  const backedUp = jobs.filter((j) => j.kind === 'backup');
  const records = backedUp.length ? await store.listBackups() : [];
  const backupRuns = await latestRunEvents(store, backedUp);
  const backups = backedUp.map((j): BackupFacts => {
    const mine = records.filter((r) => r.project === j.project && r.service === j.service);
    const latest = (dates: (string | null)[]) => {
      const ms = dates.flatMap((d) => (d ? [Date.parse(d)] : [])).filter((t) => !Number.isNaN(t));
      return ms.length ? new Date(Math.max(...ms)) : undefined;
    };
    const lastSuccess = latest(mine.map((r) => r.createdAt));
    const restoreVerified = latest(mine.filter((r) => r.verified === 'pass').map((r) => r.verifiedAt));
    const run = backupRuns.get(jobKey(j))?.data as { ok?: unknown } | undefined;
    return {
      project: j.project,
      service: j.service,
      ...(lastSuccess ? { lastSuccess } : {}),
      ...(restoreVerified ? { restoreVerified } : {}),
      ...(typeof run?.ok === 'boolean' ? { lastRunOk: run.ok } : {}),
    };
  });
  const cronJobs = jobs.filter((j) => j.kind === 'cron');
  const runs = await latestRunEvents(store, cronJobs);
  const cron: CronFacts[] = [];
  for (const j of cronJobs) {
    const e = runs.get(jobKey(j));
    if (!e) continue;
    const data = e.data as { outcome?: unknown; startedAt?: unknown };
    const started = typeof data.startedAt === 'string' ? new Date(data.startedAt) : new Date(e.at);
    cron.push({ project: j.project, service: j.service, ok: data.outcome === 'succeeded', at: started });
  }
  return { backups, cron, certificates, rollbacks: await analysisRollbacks(store) };
}

/** The newest rollback by the deploy analysis, per project (when its verdict came). */
async function analysisRollbacks(store: StateStore): Promise<{ project: string; at: Date }[]> {
  const newest = new Map<string, Date>();
  for (const r of await store.listReleases()) {
    if (r.analysis?.verdict !== 'rolled-back') continue;
    const at = new Date(r.analysis.to);
    const seen = newest.get(r.project);
    if (!Number.isNaN(at.getTime()) && (!seen || at > seen)) newest.set(r.project, at);
  }
  return [...newest].map(([project, at]) => ({ project, at }));
}

/**
 * The expiry of each certificate the proxy serves, read from the installed files under `nginxDir`
 * (the layout's `shared/nginx`); a file that is not there yet is left out.
 */
export function certificateExpiries(nginxDir: string, artifacts: readonly Artifact[]): CertificateFacts[] {
  return installedCertificates(nginxDir, artifacts).flatMap((c) =>
    c.x509 && !Number.isNaN(c.x509.notAfter.getTime())
      ? [{ domain: c.host, expiresAt: c.x509.notAfter }]
      : [],
  );
}

/**
 * The sizes of the volumes an alert watches (the registry mirror's cache), measured at most once per
 * `everyMs`: the engine's disk usage report walks every volume on the server. A failed measurement
 * leaves the series out (the alert then keeps its last state) rather than failing `/metrics`.
 */
export function watchedVolumes(
  docker: Docker,
  spec: Spec,
  everyMs = 5 * 60_000,
): () => Promise<VolumeFacts[]> {
  const watched = spec.shared.registryMirror ? [{ project: 'shared', service: 'registry' }] : [];
  let last: { at: number; facts: VolumeFacts[] } | undefined;
  return async () => {
    if (watched.length === 0) return [];
    if (last && Date.now() - last.at < everyMs) return last.facts;
    const names = watched.map((w) => sharedVolume(w.service));
    const sizes = await volumeSizes(docker, names).catch(() => new Map<string, number>());
    const facts = watched.flatMap((w) => {
      const volume = sharedVolume(w.service);
      const bytes = sizes.get(volume);
      return bytes === undefined ? [] : [{ ...w, volume, bytes }];
    });
    last = { at: Date.now(), facts };
    return facts;
  };
}
