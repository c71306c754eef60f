import {
  CONTROL_PLANE_PORT,
  edgeNetwork,
  internalNetwork,
  LABEL,
  MANAGEMENT_GATE_ROLE,
  metricsNetwork,
  PROBE_ROLE,
  SHARED,
  SHARED_NETWORK,
} from '../model/index.ts';
import { type IsolationEntry, isolationMatrix, type Plan, projectTargets } from '../plan/index.ts';

/**
 * The pure half of `verify isolation`: from the plan and what is running (containers, their
 * networks and addresses, the host's listeners) to the list of TCP connects to try, each with the
 * verdict the isolation matrix expects; and from the connects' outcomes to the matrix as seen.
 */

/** A running container as the engine lists it: labels and an IPv4 address per network. */
export interface RunningContainer {
  name: string;
  labels: Record<string, string>;
  networks: Record<string, { address: string; gateway?: string }>;
}

/** Where a probe container stands: the networks a project's containers (or a shared component) sit on. */
export interface ProbePosition {
  /** `shop/*`, `shared/proxy`, `shared/prometheus`: the `from` of the matrix rows it answers. */
  source: string;
  /** `shop` or `shared`: the probe's project label. */
  project: string;
  networks: string[];
}

/** A probe container once started: its position and, per network, its gateway (a host address). */
export interface StartedPosition extends ProbePosition {
  gateways: Record<string, string>;
}

/** A TCP listener on the host: `0.0.0.0`, `::`, `127.0.0.1` or a specific address. */
export interface HostListener {
  address: string;
  port: number;
}

/** `open`: a needed path, it must connect; `closed`: the matrix forbids it; `either`: allowed, not needed. */
export type Expectation = 'open' | 'closed' | 'either';

export interface Probe {
  from: string;
  /** `blog/db`, `shared/prometheus`, or `host` for a host process. */
  to: string;
  port: number;
  /** The container tried, or `host`. */
  container: string;
  network?: string;
  address: string;
  expect: Expectation;
  /** False where networks cannot keep `from` away, only its configuration can (reported, not failed). */
  enforced?: false;
  why: string;
}

/** What a connect did: `open` (connected), `refused` (nothing listens or a reject), `timeout` (dropped). */
export type Seen = 'open' | 'refused' | 'timeout';

export type Verdict = 'ok' | 'violation' | 'missing' | 'unenforced';

export interface ProbeResult extends Probe {
  seen: Seen;
  verdict: Verdict;
}

export interface ProbeWorld {
  plan: Plan;
  /** The environment's running containers (probes excluded). */
  containers: RunningContainer[];
  /** Listeners on the host; empty for a remote engine. */
  hostListeners: HostListener[];
  /** Host addresses every container can try besides its own gateways (docker0's). */
  hostAddresses: string[];
  /** Host ports the operator accepts as reachable from projects (`--allow-host-port`). */
  allowHostPorts?: ReadonlySet<number>;
}

/**
 * One position per project (the union of the networks its containers sit on, so a container joined
 * to a network it should not be on moves the probe with it), one where the proxy stands and one where
 * Prometheus stands. Containers not running fall back to where the plan puts them.
 */
export function probePositions(plan: Plan, containers: readonly RunningContainer[]): ProbePosition[] {
  const spec = plan.spec;
  const running = containers.filter((c) => c.labels[LABEL.role] !== PROBE_ROLE);
  const networksOf = (pick: (c: RunningContainer) => boolean) =>
    [...new Set(running.filter(pick).flatMap((c) => Object.keys(c.networks)))].sort();
  const out: ProbePosition[] = [];
  for (const p of spec.projects) {
    if (!plan.allocations[p.name]) continue;
    const seen = networksOf((c) => c.labels[LABEL.project] === p.name && !isOneOff(c));
    const planned = [internalNetwork(p.name), edgeNetwork(p.name), metricsNetwork(p.name)];
    out.push({ source: `${p.name}/*`, project: p.name, networks: seen.length ? seen : planned });
  }
  const planned = spec.projects.filter((p) => plan.allocations[p.name]);
  const joins = {
    proxy: [SHARED_NETWORK, ...planned.map((p) => edgeNetwork(p.name))].sort(),
    prometheus: [SHARED_NETWORK, ...planned.map((p) => metricsNetwork(p.name))].sort(),
  };
  const monitoring = spec.shared.monitoring;
  const components: (keyof typeof joins)[] =
    monitoring.prometheus === false ? ['proxy'] : ['proxy', 'prometheus'];
  for (const component of components) {
    const seen = networksOf(
      (c) => c.labels[LABEL.project] === SHARED && c.labels[LABEL.service] === component,
    );
    out.push({
      source: `${SHARED}/${component}`,
      project: SHARED,
      networks: seen.length ? seen : joins[component],
    });
  }
  return out;
}

/** Every connect to try from one position, with the verdict the matrix expects. */
export function probesFrom(position: StartedPosition, world: ProbeWorld): Probe[] {
  const matrix = isolationMatrix(world.plan.spec);
  const targets = targetContainers(world);
  const out: Probe[] = [];
  const attached = new Set(position.networks);
  const from = position.source;
  const addressesOf = (c: RunningContainer, only?: (network: string) => boolean) =>
    Object.entries(c.networks)
      .filter(([n, a]) => a.address && (!only || only(n)))
      .sort(([a], [b]) => a.localeCompare(b));
  const probeTo = (
    t: (typeof targets)[number],
    network: string,
    address: string,
    verdict: Pick<Probe, 'expect' | 'why' | 'enforced'>,
  ): Probe => ({ from, to: t.name, port: t.port, container: t.container.name, network, address, ...verdict });

  if (position.project !== SHARED) {
    const project = position.project;
    for (const t of targets) {
      const entry = t.name.startsWith(`${project}/`)
        ? { allowed: true, why: 'same project' }
        : forbiddenFor(matrix, from, t.name);
      if (!entry) continue;
      // An allowed target is needed on the networks the probe shares with it; a forbidden one must fail on every address.
      const addresses = addressesOf(t.container, entry.allowed ? (n) => attached.has(n) : undefined);
      for (const [network, a] of addresses)
        out.push(
          probeTo(t, network, a.address, { expect: entry.allowed ? 'open' : 'closed', why: entry.why }),
        );
    }
    out.push(...directPortProbes(position, world, addressesOf));
    out.push(...controlPlaneProbes(position, world));
    out.push(...hostProbes(position, world, from));
    return out;
  }

  for (const e of matrix.filter((x) => x.from === from && x.port !== undefined)) {
    for (const t of targets.filter((x) => x.name === e.to && x.port === e.port)) {
      for (const [network, a] of addressesOf(t.container, e.allowed ? (n) => attached.has(n) : undefined)) {
        // Forbidden but on a network this component has to join for what it may reach (an app whose metrics
        // have a port of their own sits on both the proxy's and Prometheus' networks): only the component's
        // own configuration keeps it away, and the probe can only report it.
        const shared = attached.has(network);
        out.push(
          probeTo(t, network, a.address, {
            expect: e.allowed ? 'open' : shared ? 'either' : 'closed',
            ...(e.allowed || !shared ? {} : { enforced: false as const }),
            why: e.allowed || !shared ? e.why : `${e.why}; networks cannot enforce it (it shares ${network})`,
          }),
        );
      }
    }
  }
  if (from === `${SHARED}/prometheus`) out.push(...controlPlaneProbes(position, world));
  return dedupe(out);
}

/**
 * Another project's apps through the proxy's direct listeners: those are for the server itself
 * (published on 127.0.0.1), without the Host header, rate limit or basic auth of the public
 * route, so they must not answer on the proxy's address in this project's edge network.
 */
function directPortProbes(
  position: StartedPosition,
  world: ProbeWorld,
  addressesOf: (c: RunningContainer) => [string, { address: string }][],
): Probe[] {
  const proxy = world.containers.find(
    (c) => c.labels[LABEL.project] === SHARED && c.labels[LABEL.service] === 'proxy',
  );
  if (!proxy) return [];
  const out: Probe[] = [];
  for (const p of world.plan.spec.projects) {
    if (p.name === position.project) continue;
    for (const s of p.services) {
      const port = s.type === 'app' ? world.plan.allocations[p.name]?.ports[s.name] : undefined;
      if (!port) continue;
      for (const [network, a] of addressesOf(proxy))
        out.push({
          from: position.source,
          to: `${p.name}/${s.name}`,
          port,
          container: proxy.name,
          network,
          address: a.address,
          expect: 'closed',
          why: 'another project’s app on its direct port, which is for the server itself',
        });
    }
  }
  return out;
}

/**
 * The control plane's `/metrics` through the proxy's listener on its shared-network address: open
 * to Prometheus; from a project, closed on every address of the proxy (its edge address included).
 */
function controlPlaneProbes(position: StartedPosition, world: ProbeWorld): Probe[] {
  if (world.plan.spec.shared.monitoring.prometheus === false) return [];
  const proxy = world.containers.find(
    (c) => c.labels[LABEL.project] === SHARED && c.labels[LABEL.service] === 'proxy',
  );
  if (!proxy) return [];
  const forPrometheus = position.project === SHARED;
  return Object.entries(proxy.networks)
    .filter(([network, a]) => a.address && (!forPrometheus || network === SHARED_NETWORK))
    .map(([network, a]) => ({
      from: position.source,
      to: CONTROL_PLANE,
      port: CONTROL_PLANE_PORT,
      container: proxy.name,
      network,
      address: a.address,
      expect: forPrometheus ? ('open' as const) : ('closed' as const),
      why: forPrometheus
        ? 'the control plane’s metrics, scraped by Prometheus through the proxy'
        : 'the control plane’s metrics are for Prometheus only',
    }));
}

/** How the matrix rows name `stagecraft serve`'s metrics. */
const CONTROL_PLANE = 'shared/control-plane';

/** Host processes from a project's position: each listening port on the host addresses the probe can reach. */
function hostProbes(position: StartedPosition, world: ProbeWorld, from: string): Probe[] {
  const out: Probe[] = [];
  for (const l of world.hostListeners) {
    const { expect, why } = hostExpectation(world, l);
    for (const address of hostTargets(position, world, l))
      out.push({ from, to: 'host', port: l.port, container: 'host', address, expect, why });
  }
  return dedupe(out);
}

/** Where a host listener could be reached from: its own address when specific, else every host address. */
function hostTargets(position: StartedPosition, world: ProbeWorld, l: HostListener): string[] {
  if (!isWildcard(l.address) && !isLoopback(l.address) && l.address.includes('.')) return [l.address];
  return [...new Set([...Object.values(position.gateways), ...world.hostAddresses])].filter(Boolean).sort();
}

export function hostExpectation(
  world: Pick<ProbeWorld, 'plan' | 'allowHostPorts'>,
  l: HostListener,
): { expect: Expectation; why: string } {
  const spec = world.plan.spec;
  const listen = spec.server.listen;
  if (l.port === listen.http || (spec.shared.proxy.tls !== 'none' && l.port === listen.https))
    return { expect: 'either', why: 'the proxy’s public port: the way in for anyone' };
  if (world.allowHostPorts?.has(l.port)) return { expect: 'either', why: 'allowed by --allow-host-port' };
  if (l.port === CONTROL_PLANE_PORT)
    return { expect: 'closed', why: 'the control plane’s metrics are for Prometheus only' };
  const published = Object.values(world.plan.allocations).some((a) =>
    Object.values(a.ports).includes(l.port),
  );
  if (published) return { expect: 'closed', why: 'published on 127.0.0.1 only' };
  if (isLoopback(l.address)) return { expect: 'closed', why: 'a host process bound to loopback' };
  return {
    expect: 'closed',
    why: 'a host process outside the design: bind it to 127.0.0.1, firewall it, or accept it with --allow-host-port',
  };
}

interface Target {
  name: string;
  port: number;
  container: RunningContainer;
}

/** Each running container with the matrix names and ports it answers to (`shop/web` 8000, `shop/db-exporter` 9187). */
function targetContainers(world: ProbeWorld): Target[] {
  const matrix = isolationMatrix(world.plan.spec);
  const ports = new Map<string, Set<number>>();
  for (const e of matrix) {
    if (e.port === undefined || e.to.includes('*')) continue;
    ports.set(e.to, (ports.get(e.to) ?? new Set()).add(e.port));
  }
  const out: Target[] = [];
  for (const c of world.containers) {
    if (c.labels[LABEL.role] === PROBE_ROLE || isOneOff(c)) continue;
    const project = c.labels[LABEL.project];
    const service = c.labels[LABEL.service];
    if (!project || !service) continue;
    const role = c.labels[LABEL.role];
    const name = role === 'exporter' ? `${project}/${service}-exporter` : `${project}/${service}`;
    // The gate in front of a management UI answers for the broker's UI port, and only for it.
    const answers = role === MANAGEMENT_GATE_ROLE ? managementPorts(world, name) : (ports.get(name) ?? []);
    for (const port of [...answers].sort((a, b) => a - b)) out.push({ name, port, container: c });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.container.name.localeCompare(b.container.name));
}

/** The management UI's port of a broker (`shop/queue`), as the isolation model places it. */
function managementPorts(world: ProbeWorld, name: string): number[] {
  const [project] = name.split('/');
  const p = world.plan.spec.projects.find((x) => x.name === project);
  return p
    ? projectTargets(p)
        .filter((t) => t.name === name && t.kind === 'ui')
        .map((t) => t.port)
    : [];
}

/** The matrix entry that forbids `from` reaching `to` (another project, or a shared admin port). */
function forbiddenFor(
  matrix: readonly IsolationEntry[],
  from: string,
  to: string,
): { allowed: false; why: string } | undefined {
  const direct = matrix.find((e) => e.from === from && e.to === to && !e.allowed);
  if (direct) return { allowed: false, why: direct.why };
  if (to.startsWith(`${SHARED}/`)) return undefined;
  const other = matrix.find((e) => e.from === from && e.to === '*/*' && !e.allowed);
  return other ? { allowed: false, why: other.why } : undefined;
}

function isOneOff(c: RunningContainer): boolean {
  const role = c.labels[LABEL.role];
  return role === 'release' || role === 'backup';
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

function dedupe(probes: Probe[]): Probe[] {
  const seen = new Set<string>();
  return probes.filter((p) => {
    const key = `${p.from}|${p.to}|${p.container}|${p.address}|${p.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function judge(probe: Probe, seen: Seen): ProbeResult {
  const open = seen === 'open';
  const verdict: Verdict =
    probe.expect === 'open'
      ? open
        ? 'ok'
        : 'missing'
      : probe.expect === 'closed'
        ? open
          ? 'violation'
          : 'ok'
        : open && probe.enforced === false
          ? 'unenforced'
          : 'ok';
  return { ...probe, seen, verdict };
}

/** One line of the printed matrix: a (from, to, port) pair over its replicas and addresses. */
export interface MatrixRow {
  from: string;
  to: string;
  port: number;
  expected: 'reach' | 'blocked' | 'may reach';
  /** How many of the pair's connects went through, of how many. */
  reached: number;
  tried: number;
  verdict: Verdict;
  why: string;
}

const WORST: Verdict[] = ['violation', 'missing', 'unenforced', 'ok'];

export function matrixRows(results: readonly ProbeResult[]): MatrixRow[] {
  const rows = new Map<string, MatrixRow>();
  for (const r of results) {
    const key = `${r.from}|${r.to}|${r.port}`;
    const row = rows.get(key) ?? {
      from: r.from,
      to: r.to,
      port: r.port,
      expected: r.expect === 'open' ? 'reach' : r.expect === 'closed' ? 'blocked' : 'may reach',
      reached: 0,
      tried: 0,
      verdict: 'ok',
      why: r.why,
    };
    row.tried++;
    if (r.seen === 'open') row.reached++;
    if (WORST.indexOf(r.verdict) < WORST.indexOf(row.verdict)) {
      row.verdict = r.verdict;
      row.why = r.why;
    }
    if (r.expect === 'closed' && row.expected === 'may reach') row.expected = 'blocked';
    if (r.expect === 'open') row.expected = 'reach';
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** The failures, one line each, naming the pair and where: what makes the command exit 1. */
export function failures(results: readonly ProbeResult[]): string[] {
  return results
    .filter((r) => r.verdict === 'violation' || r.verdict === 'missing')
    .map((r) =>
      r.verdict === 'violation'
        ? `${r.from} reached ${r.to}:${r.port} (${r.container} at ${r.address}${r.network ? ` on ${r.network}` : ''}), which the matrix forbids: ${r.why}`
        : `${r.from} could not reach ${r.to}:${r.port} (${r.container} at ${r.address}${r.network ? ` on ${r.network}` : ''}, ${r.seen}), a needed path: ${r.why}`,
    );
}
