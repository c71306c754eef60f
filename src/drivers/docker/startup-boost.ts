import type Docker from 'dockerode';
import type { EngineContainer } from './container-create.ts';

/**
 * A container under a CPU limit starts with at least one core, and gets its limit back once its
 * health gate has passed (GKE's "startup CPU boost" does the same): an app or a database capped
 * at a tenth of a core spends seconds loading its code and initialising under the cap, and every
 * deploy waits for it. Memory is never raised: it could not be taken back. The limit a container
 * runs at, once started, is the spec's.
 */
export const STARTUP_NANO_CPUS = 1e9;

/** The spec's CPU limit, if it is one the boost raises (under one core). */
function boostedLimit(s: EngineContainer): number | undefined {
  const limit = s.options.HostConfig?.NanoCpus;
  return limit && limit < STARTUP_NANO_CPUS ? limit : undefined;
}

function withHostConfig(s: EngineContainer, change: Docker.HostConfig): EngineContainer {
  return { ...s, options: { ...s.options, HostConfig: { ...s.options.HostConfig, ...change } } };
}

/** The container's create body with the boost, if its limit is under one core. */
export function withStartupBoost(s: EngineContainer): EngineContainer {
  return boostedLimit(s) ? withHostConfig(s, { NanoCpus: STARTUP_NANO_CPUS }) : s;
}

/**
 * A new replica waits for its health gate with no restart policy: one that exits stays exited, so
 * the gate reports its exit code (the engine would restart it within 100 ms and reset the code).
 */
export function withoutRestartPolicy(s: EngineContainer): EngineContainer {
  return withHostConfig(s, { RestartPolicy: { Name: 'no' } });
}

/** Puts the spec's CPU limit back on a container started with the boost (a no-op for one without). */
export async function endStartupBoost(docker: Docker, name: string, s: EngineContainer): Promise<void> {
  const limit = boostedLimit(s);
  if (limit) await docker.getContainer(name).update({ NanoCpus: limit });
}

/** Puts the spec's CPU limit and restart policy back on a new replica that passed its gate. */
export async function endGatedStart(docker: Docker, name: string, s: EngineContainer): Promise<void> {
  await docker.getContainer(name).update(specSettings(s));
}

function specSettings(s: EngineContainer): { NanoCpus?: number; RestartPolicy?: { Name?: string } } {
  return { NanoCpus: s.options.HostConfig?.NanoCpus, RestartPolicy: s.options.HostConfig?.RestartPolicy };
}

/**
 * The containers still running with more CPU than their spec gives them, or without its restart
 * policy (an `up` killed while they started): each gets the spec's settings back. Returns their
 * names.
 */
export async function endLeftoverStartups(
  docker: Docker,
  specs: readonly EngineContainer[],
): Promise<string[]> {
  const fixed = await Promise.all(
    specs
      .filter((s) => !s.container.oneOff)
      .map(async (s) => {
        const info = await docker
          .getContainer(s.name)
          .inspect()
          .catch(() => undefined);
        if (!info?.State.Running) return [];
        const want = specSettings(s);
        const boosted = (want.NanoCpus ?? 0) > 0 && (info.HostConfig.NanoCpus ?? 0) > want.NanoCpus!;
        const policy = (want.RestartPolicy?.Name ?? 'no') !== (info.HostConfig.RestartPolicy?.Name || 'no');
        if (!boosted && !policy) return [];
        await docker.getContainer(s.name).update(want);
        return [s.name];
      }),
  );
  return fixed.flat();
}
