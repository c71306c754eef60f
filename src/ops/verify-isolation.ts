import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type Docker from 'dockerode';
import { demux } from '../drivers/docker/engine.ts';
import { LABEL, PROBE_ROLE } from '../model/index.ts';
import type { Plan } from '../plan/index.ts';
import { underMirror } from '../render/image-ref.ts';
import { LOCAL_TAG } from '../render/index.ts';
import type { Spec } from '../spec/index.ts';
import {
  failures,
  type HostListener,
  judge,
  type MatrixRow,
  matrixRows,
  type Probe,
  type ProbePosition,
  type ProbeResult,
  type ProbeWorld,
  probePositions,
  probesFrom,
  type RunningContainer,
  type Seen,
  type StartedPosition,
} from './isolation-probes.ts';

/**
 * `verify isolation`: a short-lived probe container per network position (each project, the proxy,
 * Prometheus), each running all its TCP connects at once in one shell, a bounded number of probes at
 * a time; the outcomes compared with the isolation matrix. Probes carry the environment's labels and
 * remove themselves (AutoRemove after a bounded sleep) even if this process dies.
 */
export interface VerifyIsolationOptions {
  docker: Docker;
  /** Ports host processes listen on; only these are tried (default: every listener the host has). */
  hostPorts?: ReadonlySet<number>;
  allowHostPorts?: ReadonlySet<number>;
  image?: string;
  concurrency?: number;
  /** Seconds a single connect may take before it counts as dropped. */
  connectTimeout?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface IsolationReport {
  results: ProbeResult[];
  rows: MatrixRow[];
  failures: string[];
  seconds: number;
}

const PROBE_LIFETIME_S = 120;

export async function verifyIsolation(plan: Plan, options: VerifyIsolationOptions): Promise<IsolationReport> {
  const started = Date.now();
  const { docker } = options;
  const spec = plan.spec;
  const image = options.image ?? probeImage(spec.server.images);
  await ensureImage(docker, image);
  const containers = await runningContainers(docker, spec.environment);
  const listeners = spec.server.host === 'local' ? await hostListeners() : [];
  const world: ProbeWorld = {
    plan,
    containers,
    hostListeners: options.hostPorts ? listeners.filter((l) => options.hostPorts!.has(l.port)) : listeners,
    hostAddresses: await dockerBridgeGateway(docker, spec.server.host),
    ...(options.allowHostPorts ? { allowHostPorts: options.allowHostPorts } : {}),
  };
  const positions = probePositions(plan, containers);
  const run = randomBytes(3).toString('hex');
  const results = (
    await boundedMap(positions, options.concurrency ?? 4, async (position) => {
      if (options.signal?.aborted) throw new Error('interrupted');
      const probe = await startProbe(docker, spec.environment, image, position, run);
      try {
        const planned = probesFrom(await standing(probe, position), world);
        options.log?.(`${position.source}: ${planned.length} connects from ${position.networks.join(', ')}`);
        const timeout = options.connectTimeout ?? 3;
        const seen = await connectAll(probe, planned, timeout);
        // A needed path that did not answer gets a second, slower try: a busy host must not read as a broken one.
        const retry = planned.flatMap((p, i) => (p.expect === 'open' && seen[i] !== 'open' ? [i] : []));
        if (retry.length) {
          const again = await connectAll(
            probe,
            retry.map((i) => planned[i]!),
            timeout * 2,
          );
          retry.forEach((i, k) => {
            seen[i] = again[k]!;
          });
        }
        return planned.map((p, i) => judge(p, seen[i]!));
      } finally {
        await probe.remove({ force: true }).catch(() => {});
      }
    })
  ).flat();
  return {
    results,
    rows: matrixRows(results),
    failures: failures(results),
    seconds: (Date.now() - started) / 1000,
  };
}

/** Whatever has bash and coreutils' `timeout`: the base of the local set, or Debian's slim image. */
export function probeImage(images: Spec['server']['images']): string {
  if (typeof images === 'object') return underMirror(images.mirror, 'debian:bookworm-slim');
  return images === 'local' ? `stagecraft/base:${LOCAL_TAG}` : 'debian:bookworm-slim';
}

async function ensureImage(docker: Docker, image: string): Promise<void> {
  const present = await docker
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (present) return;
  if (image.startsWith('stagecraft/'))
    throw new Error(`the probe image ${image} is missing: run stagecraft images build`);
  const stream = await docker.pull(image);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
  );
}

async function runningContainers(docker: Docker, environment: string): Promise<RunningContainer[]> {
  const list = await docker.listContainers({
    filters: { label: [`${LABEL.environment}=${environment}`], status: ['running'] },
  });
  return list
    .filter((c) => c.Labels[LABEL.role] !== PROBE_ROLE)
    .map((c) => ({
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      labels: c.Labels,
      networks: Object.fromEntries(
        Object.entries(c.NetworkSettings?.Networks ?? {}).map(([n, s]) => [
          n,
          { address: s.IPAddress, ...(s.Gateway ? { gateway: s.Gateway } : {}) },
        ]),
      ),
    }));
}

async function startProbe(
  docker: Docker,
  environment: string,
  image: string,
  position: ProbePosition,
  run: string,
): Promise<Docker.Container> {
  const [first, ...rest] = position.networks;
  const name = `${position.source.replace('/*', '').replace('/', '-')}-probe-${run}`;
  const container = await docker.createContainer({
    name,
    Image: image,
    // Bounded: if this process dies before removing it, the engine removes it when the sleep ends.
    Cmd: ['sleep', String(PROBE_LIFETIME_S)],
    Labels: {
      [LABEL.environment]: environment,
      [LABEL.project]: position.project,
      [LABEL.service]: 'isolation-probe',
      [LABEL.role]: PROBE_ROLE,
      [LABEL.type]: PROBE_ROLE,
    },
    HostConfig: {
      AutoRemove: true,
      Init: true,
      Memory: 64 * 1024 * 1024,
      ...(first ? { NetworkMode: first } : { NetworkMode: 'none' }),
    },
  });
  try {
    for (const n of rest) await docker.getNetwork(n).connect({ Container: container.id });
    await container.start();
  } catch (e) {
    await container.remove({ force: true }).catch(() => {});
    throw e;
  }
  return container;
}

/** The probe's own view: its gateway on each network is a host address it can try host ports on. */
async function standing(probe: Docker.Container, position: ProbePosition): Promise<StartedPosition> {
  const info = await probe.inspect();
  const gateways: Record<string, string> = {};
  for (const [n, s] of Object.entries(info.NetworkSettings.Networks ?? {}))
    if (s.Gateway) gateways[n] = s.Gateway;
  return { ...position, gateways };
}

/**
 * Every connect of one probe at once, in one shell: each a forked subshell (no exec, so cheap on a
 * loaded host) printing `<index> open|refused`; whatever has not answered after `timeout` seconds
 * is killed and counts as dropped.
 */
export function connectScript(probes: readonly Pick<Probe, 'address' | 'port'>[], timeout: number): string {
  return [
    'try() { if exec 3<>"/dev/tcp/$1/$2"; then echo "$3 open"; else echo "$3 refused"; fi; } 2>/dev/null',
    ...probes.map((p, i) => `try ${p.address} ${p.port} ${i} &`),
    `for _ in $(seq ${Math.max(1, Math.round(timeout * 10))}); do [ -z "$(jobs -pr)" ] && break; sleep 0.1; done`,
    'kill $(jobs -pr) 2>/dev/null',
    'exit 0',
  ].join('\n');
}

/** The script's lines as outcomes; a connect with no line was dropped (or too slow). */
export function parseConnects(output: string, count: number): Seen[] {
  const seen: Seen[] = Array.from({ length: count }, () => 'timeout');
  for (const line of output.split('\n')) {
    const m = /^(\d+) (open|refused)$/.exec(line.trim());
    if (m && Number(m[1]) < count) seen[Number(m[1])] = m[2] as Seen;
  }
  return seen;
}

async function connectAll(
  probe: Docker.Container,
  probes: readonly Probe[],
  timeout: number,
): Promise<Seen[]> {
  if (!probes.length) return [];
  for (const p of probes)
    if (!/^[0-9.]+$/.test(p.address) || !Number.isInteger(p.port))
      throw new Error(`not an IPv4 address and port: ${p.address}:${p.port}`);
  const exec = await probe.exec({
    Cmd: ['bash', '-c', connectScript(probes, timeout)],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return parseConnects(demux(Buffer.concat(chunks)), probes.length);
}

/** TCP listeners in this host's network namespace, from /proc/net/tcp and tcp6 (addresses in kernel byte order). */
export async function hostListeners(): Promise<HostListener[]> {
  const out = new Map<string, HostListener>();
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    const text = await readFile(file, 'utf8').catch(() => '');
    // A specific IPv6 address is out of reach of the probes (IPv4 networks).
    for (const l of parseProcNetTcp(text, v6))
      if (!l.address.startsWith('v6:')) out.set(`${l.address}:${l.port}`, l);
  }
  return [...out.values()].sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
}

export function parseProcNetTcp(text: string, v6: boolean): HostListener[] {
  const out: HostListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[3] !== '0A') continue; // LISTEN
    const [hex, portHex] = (fields[1] ?? '').split(':');
    const port = Number.parseInt(portHex ?? '', 16);
    if (!hex || !port) continue;
    out.push({ address: v6 ? ipv6Of(hex) : ipv4Of(hex), port });
  }
  return out;
}

function ipv4Of(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

/** Only the forms a probe cares about: `::`, `::1`, and IPv4-mapped addresses; others stay `v6`. */
function ipv6Of(hex: string): string {
  if (/^0{32}$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  if (hex.startsWith('0000000000000000FFFF0000')) return ipv4Of(hex.slice(24));
  return `v6:${hex}`;
}

/** docker0's address, where `host.docker.internal` (host-gateway) points; local engines only. */
async function dockerBridgeGateway(docker: Docker, host: string): Promise<string[]> {
  const bridge = await docker
    .getNetwork('bridge')
    .inspect()
    .catch(() => undefined);
  const gateway = (bridge?.IPAM?.Config ?? []).map((c: { Gateway?: string }) => c.Gateway).find(Boolean);
  if (gateway) return [gateway];
  if (host !== 'local') return [];
  return (networkInterfaces().docker0 ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address);
}

/** Runs `fn` over `items`, at most `limit` at a time, in order; after a failure starts no more, waits for the rest, and throws it. */
async function boundedMap<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failed.error;
  return out;
}
