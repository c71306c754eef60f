import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import type { Plan } from '../plan/index.ts';
import type { Spec } from '../spec/index.ts';
import { type Drift, environmentDrift } from './drift.ts';

/** How often `serve` looks for drift: an engine listing costs little, and the alert waits minutes anyway. */
export const DRIFT_CHECK_MS = 120_000;

export interface DriftWatch {
  /** The newest look's drift; undefined before the first, or when the last one failed. */
  latest(): Drift[] | undefined;
  /** Looks now (and at the next interval from then); resolves with what it saw. */
  check(): Promise<Drift[] | undefined>;
  stop(): void;
}

/** Looks for drift at once, then every `intervalMs`; says when what it sees changes. */
export function watchDrift(opts: {
  docker: Docker;
  spec: Spec;
  plan: Plan;
  serverDir: string;
  intervalMs?: number;
  log: (line: string) => void;
}): DriftWatch {
  let latest: Drift[] | undefined;
  let said: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = async (): Promise<Drift[] | undefined> => {
    clearTimeout(timer);
    // Before the first `up` has written the server's layout everything would be "missing": no look.
    latest = !existsSync(opts.serverDir)
      ? undefined
      : await environmentDrift(opts).catch((e: Error) => {
          opts.log(`drift: cannot look at the engine: ${e.message}`);
          return undefined;
        });
    if (latest) {
      const text = latest.map((d) => `${d.container} ${d.kind} (${d.detail})`).join('; ');
      if (text !== said) opts.log(text ? `drift: ${text}; stagecraft up repairs it` : 'drift: none');
      said = text;
    }
    if (!stopped) {
      timer = setTimeout(check, opts.intervalMs ?? DRIFT_CHECK_MS);
      timer.unref();
    }
    return latest;
  };
  void check();
  return {
    latest: () => latest,
    check,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
