import { type CronSchedule, parseCron } from '../spec/index.ts';

/**
 * When a restore check runs: one hour after the day's last backup, at the backup's first minute
 * (backup `0 2 * * *` → `0 3 * * *` daily, `0 3 * * 0` weekly on Sundays, `0 3 1 * *` monthly on
 * the 1st). An hour leaves the dump time to finish; if it has not, the check simply takes the newest
 * finished backup (and in the project's queue the backup always runs before a check due with it).
 * A last backup at 23:xx puts the check at 00:xx, verifying the previous day's backup.
 */
export function verifySchedule(backup: CronSchedule, every: 'daily' | 'weekly' | 'monthly'): CronSchedule {
  const minute = backup.minutes[0]!;
  const hour = (backup.hours[backup.hours.length - 1]! + 1) % 24;
  const days = { daily: '* * *', weekly: '* * 0', monthly: '1 * *' }[every];
  const r = parseCron(`${minute} ${hour} ${days}`);
  if (!r.ok) throw new Error(`bug: the verify schedule of "${backup.text}" is invalid: ${r.message}`);
  return r.cron;
}
