import type { BackupRecord } from '../state/index.ts';
import { InvalidInput } from './errors.ts';

/** Backups as the backup commands name and show them. */

/** The backup `--from ID` names, or exit 2 pointing at `stagecraft backups`. */
export function findBackup(backups: readonly BackupRecord[], id: string, project: string): BackupRecord {
  const b = backups.find((x) => x.id === id);
  if (!b) throw new InvalidInput(`no backup ${id} of ${project}; stagecraft backups ${project} lists them`);
  return b;
}

/** A size in binary units with one decimal (`1.5 MiB`; bytes whole). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** How long ago, in the largest unit that reads well (`45s ago`, `12m ago`, `3h ago`, `2d ago`). */
export function age(iso: string, now = Date.now()): string {
  return `${span(now - Date.parse(iso))} ago`;
}

/** How long until then (`in 3h`), or `expired` once it has passed. */
export function until(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  return ms <= 0 ? 'expired' : `in ${span(ms)}`;
}

function span(ms: number): string {
  const s = Math.max(0, ms / 1000);
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  if (s < 129600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
