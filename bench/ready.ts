import { spawnSync } from 'node:child_process';
import type Docker from 'dockerode';
import { firstAddress } from '../src/drivers/docker/owned.ts';
import { probeReady } from '../src/drivers/readiness.ts';
import { LABEL, parseProbe } from '../src/model/index.ts';
import { checkTargets, routeFailures } from '../src/ops/route-checks.ts';
import type { UpRecord } from '../src/ops/up-record.ts';

/** The running containers of an environment, by its label. */
export function environmentContainers(environment: string): string[] {
  return spawnSync('docker', ['ps', '-q', '--filter', `label=${LABEL.environment}=${environment}`], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
}

/**
 * Waits until every container runs and is ready as `up`'s health gate judges it (its readiness
 * probe answers; without one, the engine calls it healthy) and every route answers; returns when
 * (ms since the epoch). For docker-compose, which has no such gate of its own.
 */
export async function waitAllReady(
  environment: string,
  expected: number,
  routes: UpRecord['routes'],
): Promise<number> {
  for (;;) {
    const ids = environmentContainers(environment);
    const listed = ids.length
      ? (JSON.parse(
          spawnSync('docker', ['inspect', ...ids], { encoding: 'utf8' }).stdout,
        ) as Docker.ContainerInspectInfo[])
      : [];
    const ready = await Promise.all(
      listed.map(async (c) => {
        const probe = parseProbe(c.Config.Labels[LABEL.probe]);
        const address = firstAddress(c.NetworkSettings.Networks);
        if (!c.State.Running) return false;
        if (probe && address) return probeReady(probe, address);
        return !c.State.Health || c.State.Health.Status === 'healthy';
      }),
    );
    if (
      ids.length >= expected &&
      ready.every(Boolean) &&
      !routeFailures(await checkTargets(routes, 1)).length
    )
      return Date.now();
    await new Promise((r) => setTimeout(r, 250));
  }
}
