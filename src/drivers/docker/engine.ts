import type Docker from 'dockerode';
import { LABEL, parseProbe } from '../../model/index.ts';
import { Cidr } from '../../spec/index.ts';
import { probeReady } from '../readiness.ts';
import { isLocalEngine } from './client.ts';
import type { EngineContainer } from './container-create.ts';
import { firstAddress, type Owned, toOwned } from './owned.ts';

export { type Owned, toOwned };

/** The driver's verbs on the engine. It touches only objects that carry stagecraft's labels. */

/**
 * Creates the network, or keeps it. One made by an earlier version as not internal when it now
 * must be (or the other way), or on another subnet (an edge network shrank to make room for the
 * metrics network), is made again under the same name: its containers leave it and join the new
 * one with the same aliases and fixed addresses (those still inside the subnet), each cut off from
 * it only for a moment.
 */
export async function ensureNetwork(
  docker: Docker,
  net: {
    name: string;
    internal?: boolean;
    labels?: Record<string, string>;
    subnet?: string;
    ipRange?: string;
  },
): Promise<'created' | 'kept' | 'recreated'> {
  const existing = (await docker.listNetworks({ filters: { name: [net.name] } })).find(
    (n) => n.Name === net.name,
  );
  const subnets = (existing?.IPAM?.Config ?? []).map((c) => c.Subnet).filter(Boolean);
  const sameSubnet = !net.subnet || subnets.includes(net.subnet);
  if (existing && Boolean(existing.Internal) === Boolean(net.internal) && sameSubnet) return 'kept';
  const wanted = net.subnet ? Cidr.parse(net.subnet) : undefined;
  const fits = (ip: string) => {
    const one = Cidr.parse(`${ip}/32`);
    return !wanted?.ok || (one.ok && wanted.value.contains(one.value));
  };
  const rejoin: { id: string; endpoint: Docker.EndpointSettings }[] = [];
  if (existing) {
    const members = Object.keys((await docker.getNetwork(existing.Id).inspect()).Containers ?? {});
    for (const id of members) {
      const settings = (await docker.getContainer(id).inspect()).NetworkSettings.Networks[net.name];
      rejoin.push({
        id,
        endpoint: {
          ...(settings?.Aliases ? { Aliases: settings.Aliases } : {}),
          ...(settings?.IPAMConfig?.IPv4Address && fits(settings.IPAMConfig.IPv4Address)
            ? { IPAMConfig: { IPv4Address: settings.IPAMConfig.IPv4Address } }
            : {}),
        },
      });
      await docker.getNetwork(existing.Id).disconnect({ Container: id, Force: true });
    }
    await docker.getNetwork(existing.Id).remove();
  }
  await docker.createNetwork({
    Name: net.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Internal: Boolean(net.internal),
    Labels: net.labels ?? {},
    ...(net.subnet
      ? {
          IPAM: {
            Driver: 'default',
            Config: [{ Subnet: net.subnet, ...(net.ipRange ? { IPRange: net.ipRange } : {}) }],
          },
        }
      : {}),
  });
  for (const m of rejoin)
    await docker.getNetwork(net.name).connect({ Container: m.id, EndpointConfig: m.endpoint });
  return existing ? 'recreated' : 'created';
}

export async function ensureVolume(
  docker: Docker,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  try {
    await docker.getVolume(name).inspect();
  } catch {
    await docker.createVolume({ Name: name, Labels: labels });
  }
}

export async function ownedContainers(
  docker: Docker,
  environment: string,
  project?: string,
): Promise<Owned[]> {
  const filters = [
    `${LABEL.environment}=${environment}`,
    ...(project ? [`${LABEL.project}=${project}`] : []),
  ];
  const list = await docker.listContainers({ all: true, filters: { label: filters } });
  return list.map(toOwned);
}

/** Creates a container and joins its other networks, without starting it. */
export async function createJoined(
  docker: Docker,
  spec: EngineContainer,
  name = spec.name,
): Promise<Docker.Container> {
  const container = await docker.createContainer({ ...spec.options, name });
  for (const n of spec.networks)
    await docker.getNetwork(n.name).connect({ Container: container.id, EndpointConfig: n.endpoint });
  return container;
}

/** Creates, joins its other networks, and starts a container. */
export async function createAndStart(
  docker: Docker,
  spec: EngineContainer,
  name = spec.name,
): Promise<Docker.Container> {
  const container = await createJoined(docker, spec, name);
  await container.start();
  return container;
}

/**
 * Joins a running container, made on its first network only and without aliases, to its networks
 * with the aliases `spec` names, all at once: the engine adds an alias only as a network is
 * joined, so the first network is left and joined again.
 */
export async function joinWithAliases(docker: Docker, name: string, spec: EngineContainer): Promise<void> {
  const first = Object.entries(spec.options.NetworkingConfig?.EndpointsConfig ?? {}).map(
    async ([network, endpoint]) => {
      if (!endpoint.Aliases?.length) return;
      const net = docker.getNetwork(network);
      await net.disconnect({ Container: name, Force: true });
      await net.connect({ Container: name, EndpointConfig: endpoint });
    },
  );
  const others = spec.networks.map((n) =>
    docker.getNetwork(n.name).connect({ Container: name, EndpointConfig: n.endpoint }),
  );
  await Promise.all([...first, ...others]);
}

export async function removeContainer(docker: Docker, nameOrId: string): Promise<void> {
  const c = docker.getContainer(nameOrId);
  await c.stop({ t: 10 }).catch(() => {});
  await c.remove({ force: true, v: false }).catch((e: { statusCode?: number }) => {
    if (e.statusCode !== 404) throw e;
  });
}

/** The engine's own check calls the container unhealthy (it is running). */
export class UnhealthyError extends Error {
  readonly container: string;
  readonly output: string;
  constructor(container: string, output: string) {
    super(`${container} is unhealthy: ${output}`);
    this.container = container;
    this.output = output;
  }
}

/**
 * Waits until the container is healthy (or, with no healthcheck, running); fails on unhealthy or
 * exit. It does not wait for the engine's own check, which runs only once per interval (10 s by
 * default): on a local engine a service with a readiness probe is asked itself, every 250 ms
 * (model/probe.ts says why); otherwise (no probe, or a remote engine, whose container
 * addresses this machine cannot reach) the container's healthcheck command runs through the
 * engine once a second, while the gate waits.
 */
export async function waitHealthy(docker: Docker, name: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const local = isLocalEngine(docker);
  let nextCheck = 0;
  let restarts: number | undefined;
  for (;;) {
    const info = await docker.getContainer(name).inspect();
    const health = info.State.Health?.Status;
    // With a restart policy the engine restarts a container that exits, and it counts as running:
    // one that restarts while the gate waits (or is between two runs) has exited.
    restarts ??= info.RestartCount;
    if (!info.State.Running || info.State.Restarting || info.RestartCount > restarts)
      throw new Error(exitReason(name, info));
    if (health === 'healthy' || (health === undefined && info.State.Running)) return;
    if (health === 'unhealthy')
      throw new UnhealthyError(name, info.State.Health?.Log?.at(-1)?.Output?.trim() ?? '');
    const probe = parseProbe(info.Config.Labels?.[LABEL.probe]);
    const address = firstAddress(info.NetworkSettings.Networks);
    if (local && probe && address) {
      if (await probeReady(probe, address)) return;
    } else if (Date.now() >= nextCheck) {
      nextCheck = Date.now() + 1000;
      if (await healthcheckPasses(docker, info)) return;
    }
    if (Date.now() > deadline) throw new Error(`${name} was not healthy within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Why a container the gate waits for is not running: out of memory, or its exit code. */
function exitReason(name: string, info: Docker.ContainerInspectInfo): string {
  if (info.State.OOMKilled) return `${name} was killed at its memory limit (out of memory)`;
  if (!info.State.Running) return `${name} exited (exit code ${info.State.ExitCode})`;
  if (info.State.Restarting)
    return `${name} exited (exit code ${info.State.ExitCode}), and the engine restarts it`;
  return `${name} exited, and the engine restarted it (${info.RestartCount} times so far)`;
}

/** Runs the container's healthcheck command once, now, within the check's timeout. */
async function healthcheckPasses(docker: Docker, info: Docker.ContainerInspectInfo): Promise<boolean> {
  const hc = info.Config.Healthcheck;
  const test = hc?.Test ?? [];
  if (test[0] !== 'CMD-SHELL' && test[0] !== 'CMD') return false;
  const cmd = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test[1] ?? 'false'] : test.slice(1);
  const exec = await docker.getContainer(info.Id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  // The output must be read to its end, or the engine connection stays open (minutes).
  const ended = new Promise<boolean>((resolve) => {
    stream.on('end', () => resolve(true));
    stream.on('error', () => resolve(false));
    stream.resume();
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), (hc?.Timeout ?? 30e9) / 1e6);
  });
  const finished = await Promise.race([ended, timedOut]).finally(() => clearTimeout(timer));
  if (!finished) {
    stream.destroy();
    return false;
  }
  return (await exec.inspect()).ExitCode === 0;
}

/** The last lines a container wrote, both streams, demultiplexed. */
export async function logTail(docker: Docker, name: string, lines = 20): Promise<string> {
  const buf = (await docker
    .getContainer(name)
    .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
  return demux(buf);
}

/** Engine log frames: 8-byte headers (stream, size) before each chunk, for containers without a TTY. */
export function demux(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}

/** A one-off that did not finish (its time ran out, or the engine lost it), with what it wrote. */
export class OneOffFailed extends Error {
  readonly logs: string;
  constructor(message: string, logs: string) {
    super(message);
    this.logs = logs;
  }
}

/**
 * Runs a one-off to completion; returns its exit code and log tail (`tail` lines), and removes it
 * unless `keep` (then it stays, exited, until the next run of the same one-off replaces it).
 */
export async function runOnce(
  docker: Docker,
  spec: EngineContainer,
  timeoutMs = 600_000,
  tail = 30,
  keep = false,
): Promise<{ code: number; logs: string }> {
  await removeContainer(docker, spec.name);
  const container = await createAndStart(docker, spec);
  let timer: NodeJS.Timeout | undefined;
  const result = (await Promise.race([
    container.wait(),
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${spec.name} did not finish within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    }),
  ])
    .catch(async (e) => {
      // A one-off that overran is stopped, not left running; what it wrote goes with the error.
      const logs = await logTail(docker, spec.name, tail).catch(() => '');
      await container.remove({ force: true, v: true }).catch(() => {});
      throw new OneOffFailed((e as Error).message, logs);
    })
    .finally(() => clearTimeout(timer))) as { StatusCode: number };
  const logs = await logTail(docker, spec.name, tail);
  if (!keep) await container.remove({ force: true, v: true });
  return { code: result.StatusCode, logs };
}
