import type { StateStore } from '../state/index.ts';
import type { MatrixRow } from './isolation-probes.ts';

/** The event kind of a `verify isolation` run: the dashboard's "last probe". */
export const ISOLATION_EVENT = 'isolation';

export interface IsolationProbe {
  /** ISO 8601: when the run ended. */
  at: string;
  holds: boolean;
  rows: MatrixRow[];
}

/** Records a run's matrix (every pair tried, and how it went) as an event of the shared stack. */
export async function recordIsolationProbe(
  store: StateStore,
  rows: readonly MatrixRow[],
  failures: number,
): Promise<void> {
  await store.addEvent({
    project: 'shared',
    kind: ISOLATION_EVENT,
    message: failures
      ? `isolation does not hold: ${failures} connects went against the matrix`
      : 'isolation holds',
    data: { holds: failures === 0, rows },
  });
}

/** The newest run, or none; its rows limited to the pairs `mayView` lets the reader see. */
export async function lastIsolationProbe(
  store: StateStore,
  mayView: (row: MatrixRow) => boolean,
): Promise<IsolationProbe | null> {
  const [event] = await store.listEvents({ kind: ISOLATION_EVENT, limit: 1 });
  if (!event) return null;
  const data = event.data as { holds?: boolean; rows?: MatrixRow[] } | null;
  return {
    at: event.at,
    holds: data?.holds === true,
    rows: (data?.rows ?? []).filter(mayView),
  };
}
