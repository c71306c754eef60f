/**
 * Grandfather-father-son retention: which backups `backup.keep` lets go. Pure: callers pass the
 * backups (local records or remote objects) and get ids back.
 *
 * The buckets follow restic's `forget --keep-daily/--keep-weekly/--keep-monthly`: walking from the
 * newest backup to the oldest, each rule keeps the newest backup of each of its last N periods
 * (UTC days, ISO weeks, months) that have a backup; one backup may count for several rules. Periods
 * without a backup are not counted, so a server that was off for a week still keeps seven dailies.
 * Unlike restic 0.17+, the oldest backup is not kept just because a rule has counts left.
 */

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface RetentionCandidate {
  id: string;
  /** ISO 8601, any offset: periods are taken in UTC. */
  createdAt: string;
  verified: 'pass' | 'fail' | null;
}

export interface RetentionOptions {
  /** Ids that must survive whatever the policy says (a restore is reading them). */
  protect?: ReadonlySet<string>;
}

/**
 * Why a backup is kept. `newest`: the newest backup of all is never pruned; `newest-verified`: the
 * newest backup whose restore was proven, the one to fall back on if the later ones are bad.
 */
export type KeepReason = 'newest' | 'daily' | 'weekly' | 'monthly' | 'newest-verified' | 'protected';

export interface RetentionDecision {
  id: string;
  createdAt: string;
  keep: boolean;
  /** Empty exactly when `keep` is false. */
  reasons: KeepReason[];
}

interface Rule {
  reason: 'daily' | 'weekly' | 'monthly';
  left: number;
  period: (at: Date) => string;
  last: string | null;
}

/** Every backup with the verdict and its reasons, newest first. */
export function explainRetention(
  backups: readonly RetentionCandidate[],
  keep: RetentionPolicy,
  options: RetentionOptions = {},
): RetentionDecision[] {
  const protect = options.protect ?? new Set<string>();
  const newestFirst = backups
    .map((b) => ({ backup: b, at: parseInstant(b) }))
    .sort((a, b) => b.at.getTime() - a.at.getTime() || compareIds(b.backup.id, a.backup.id));
  const rules: Rule[] = [
    { reason: 'daily', left: keep.daily, period: utcDay, last: null },
    { reason: 'weekly', left: keep.weekly, period: isoWeek, last: null },
    { reason: 'monthly', left: keep.monthly, period: utcMonth, last: null },
  ];
  const newestVerified = newestFirst.find((e) => e.backup.verified === 'pass')?.backup.id;

  return newestFirst.map(({ backup, at }, index) => {
    const reasons: KeepReason[] = [];
    if (index === 0) reasons.push('newest');
    for (const rule of rules) {
      if (rule.left <= 0) continue;
      const period = rule.period(at);
      if (period === rule.last) continue;
      rule.last = period;
      rule.left -= 1;
      reasons.push(rule.reason);
    }
    if (backup.id === newestVerified) reasons.push('newest-verified');
    if (protect.has(backup.id)) reasons.push('protected');
    return { id: backup.id, createdAt: backup.createdAt, keep: reasons.length > 0, reasons };
  });
}

/** The ids the policy lets go, newest first. */
export function backupsToPrune(
  backups: readonly RetentionCandidate[],
  keep: RetentionPolicy,
  options: RetentionOptions = {},
): string[] {
  return explainRetention(backups, keep, options)
    .filter((d) => !d.keep)
    .map((d) => d.id);
}

function parseInstant(backup: RetentionCandidate): Date {
  const at = new Date(backup.createdAt);
  if (Number.isNaN(at.getTime())) {
    throw new Error(`backup ${backup.id} has createdAt "${backup.createdAt}", which is not an ISO 8601 time`);
  }
  return at;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function utcMonth(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** ISO 8601 week (`2025-W01`): weeks start on Monday and belong to the year of their Thursday. */
function isoWeek(at: Date): string {
  const thursday = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = thursday.getUTCDay() || 7;
  thursday.setUTCDate(thursday.getUTCDate() + 4 - weekday);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}
