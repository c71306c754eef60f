import { OneOffFailed, runOnce } from '../drivers/docker/engine.ts';
import { oneOff, type RunningEnvironment } from './running-environment.ts';

export interface CronRunResult {
  ok: boolean;
  /** The exit code, or null when the run did not finish within the service's `timeout`. */
  code: number | null;
  /** The last lines the run wrote. */
  logTail: string;
  message?: string;
}

const TAIL_LINES = 30;

/**
 * Runs one cron service once: its one-off container from the project's stack (one-off kind
 * `cron`), on the project's internal network, exactly as `up` would create it (secrets from the
 * layout's env files). The exited container stays until the next run replaces it, so `stagecraft
 * logs` shows the last run; the log tail is also kept in the result (and the run's event).
 * A run past the service's `timeout` is stopped and counts as failed. Engine errors (no such
 * network: the project is not up) are thrown.
 */
export async function runCronService(
  env: RunningEnvironment,
  project: string,
  service: string,
): Promise<CronRunResult> {
  const p = env.spec.projects.find((x) => x.name === project);
  const s = p?.services.find((x) => x.name === service);
  if (!p || s?.type !== 'cron') throw new Error(`${project}/${service} is not a cron service of the spec`);
  const spec = oneOff(env, p, service);
  if (spec.container.oneOff !== 'cron')
    throw new Error(`${project}/${service} is not a cron one-off of the project's stack`);
  try {
    // The last run stays (exited) so `stagecraft logs P SERVICE` shows its output, as the alert says.
    const r = await runOnce(env.docker, spec, s.timeout.toMilliseconds(), TAIL_LINES, true);
    return { ok: r.code === 0, code: r.code, logTail: r.logs };
  } catch (e) {
    if (!(e instanceof OneOffFailed)) throw e;
    // runOnce has stopped and removed it, and kept what it wrote.
    return { ok: false, code: null, logTail: e.logs, message: `did not finish within ${s.timeout}` };
  }
}
