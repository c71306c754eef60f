import type { StateStore } from '../state/index.ts';

/** Kind of the events that tell an operation's progress, a line each (`data.operation`: deploy or rollback). */
export const PHASE_EVENT = 'phase';

/**
 * The operation's progress lines, each to the control plane's log and as a `phase` event in the
 * store, so the event stream (and the dashboard) shows a deploy as it goes. Events are written in
 * order; `flush` waits for the last.
 */
export function phaseRecorder(
  store: StateStore,
  project: string,
  operation: string,
  log: (line: string) => void,
) {
  let written: Promise<unknown> = Promise.resolve();
  return {
    log(line: string) {
      log(`${project}: ${line}`);
      written = written
        .then(() => store.addEvent({ project, kind: PHASE_EVENT, message: line, data: { operation } }))
        .catch((e: Error) => log(`${project}: could not record a phase: ${e.message}`));
    },
    flush: () => written,
  };
}
