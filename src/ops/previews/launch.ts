import type { Plan } from '../../plan/index.ts';
import { secretUses } from '../../plan/index.ts';
import { type Diagnostic, publicUrl } from '../../spec/index.ts';
import type { BackupRecord } from '../../state/index.ts';
import { backedUpServices } from '../backup/dump.ts';
import { restoreIntoFresh } from '../backup/restore.ts';
import { type Deployed, deploy } from '../deploy.ts';
import { connectEngine } from '../engine-connection.ts';
import { withEngineLock } from '../engine-lock.ts';
import type { PreparedPreview } from './prepare.ts';
import type { PreviewServer } from './remove.ts';

/** The event kind of a preview's life: up, renewed, down, expired. */
export const PREVIEW_EVENT = 'preview';

/**
 * The secret names a preview's services need. Each gets a value of its own, generated for the
 * preview: a preview never reads its project's secrets.
 */
export function previewSecretNames(prepared: PreparedPreview): string[] {
  return [
    ...new Set(
      secretUses(prepared.spec)
        .filter((u) => u.project === prepared.preview.name)
        .map((u) => u.name),
    ),
  ];
}

export interface LaunchOptions extends PreviewServer {
  prepared: PreparedPreview;
  /** The plan of `prepared.spec`, its diagnostics warnings only. */
  plan: Plan;
  diagnostics: readonly Diagnostic[];
}

export interface Launched {
  url: string;
  up: Deployed;
  /** Backups of the project restored into the new preview's databases (`previews.data: from-backup`). */
  restored: BackupRecord[];
  warnings: string[];
}

/**
 * `preview up`: records the preview (a renewal moves its expiry), generates its secrets, converges
 * it and the shared stack (its routes) like `up --project`, and on its first start with
 * `previews.data: from-backup` restores the project's newest verified backup of each database.
 */
export async function launchPreview(opts: LaunchOptions): Promise<Launched> {
  const { prepared, store, secrets } = opts;
  const { preview, source, record } = prepared;
  await store.savePreview(record);
  for (const name of previewSecretNames(prepared)) await secrets.ensureGenerated(preview.name, name);
  const up = await deploy({
    spec: prepared.spec,
    plan: opts.plan,
    diagnostics: opts.diagnostics,
    store,
    secrets,
    serverDir: opts.serverDir,
    project: preview.name,
    env: opts.env,
    log: opts.log,
    waitMs: opts.waitMs,
  });
  const warnings = [...up.warnings];
  const restored: BackupRecord[] = [];
  const failed = up.failed.some((f) => f.project === preview.name);
  if (!prepared.renewed && !failed && source.previews.data === 'from-backup') {
    const docker = await connectEngine(prepared.spec.server.host, opts.env);
    const running = { spec: prepared.spec, plan: opts.plan, docker, store, serverDir: opts.serverDir };
    await withEngineLock(
      docker,
      { command: `preview up ${preview.name}`, log: opts.log, waitMs: opts.waitMs },
      async () => {
        const backups = await store.listBackups(source.name);
        for (const s of backedUpServices(source)) {
          const newest = backups.filter((b) => b.service === s.name && b.verified === 'pass').at(-1);
          if (!newest) {
            warnings.push(
              `${source.name}/${s.name} has no verified backup: the preview's ${s.name} starts empty`,
            );
            continue;
          }
          opts.log(`${preview.name}: ${s.name} from ${newest.id}`);
          const r = await restoreIntoFresh(running, preview, newest, opts.log);
          if (r.mismatch)
            warnings.push(`${preview.name}/${s.name} differs from ${newest.id}'s manifest: ${r.mismatch}`);
          restored.push(newest);
        }
      },
    );
  }
  const url = publicUrl(prepared.spec, preview.domain);
  await store.addEvent({
    project: preview.name,
    kind: PREVIEW_EVENT,
    message: `${failed ? 'failed' : prepared.renewed ? 'renewed' : 'up'}: preview ${record.name} of ${source.name} at ${url}, expires ${record.expiresAt}`,
    data: {
      action: prepared.renewed ? 'renew' : 'up',
      project: source.name,
      name: record.name,
      images: record.images,
      expiresAt: record.expiresAt,
      restored: restored.map((b) => b.id),
      ok: !failed,
    },
  });
  return { url, up, restored, warnings };
}
