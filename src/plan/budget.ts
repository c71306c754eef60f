import {
  type Diagnostic,
  diagnostic,
  EXPORTER_RESOURCES,
  MANAGEMENT_GATE_RESOURCES,
  type Project,
  resourcesOf,
  SHARED_RESOURCES,
  type Spec,
} from '../spec/index.ts';
import { hasExporter } from './containers.ts';

export interface Usage {
  /** Millicores. */
  cpus: number;
  bytes: number;
  disk: number;
}

export interface Budget {
  /** `overcommit`: how many times `available` the limits may add up to (server.overcommit). */
  cpus: { used: number; available: number; overcommit: number };
  memory: { used: number; available: number; overcommit: number };
  disk?: { used: number; available: number };
  shared: Usage;
  projects: Record<string, Usage>;
  /** The projects that set `quota`: its CPUs in millicores and memory in bytes, as in `Usage`. */
  quotas: Record<string, { cpus?: number; bytes?: number }>;
}

export const WARN_RATIO = 0.85;

/** The shared stack's reserved resources: each enabled component's limits. */
export function sharedUsage(spec: Spec): Usage {
  const m = spec.shared.monitoring;
  const given = (
    r: { cpus?: { toMillicores(): number }; memory?: { toBytes(): number } } | undefined,
    d: { cpus: string; memory: string },
  ) => {
    const def = resourcesOf(d);
    return {
      cpus: r?.cpus?.toMillicores() ?? def.cpus.toMillicores(),
      bytes: r?.memory?.toBytes() ?? def.memory.toBytes(),
    };
  };
  const usage: Usage = { cpus: 0, bytes: 0, disk: 0 };
  const add = (u: { cpus: number; bytes: number }) => {
    usage.cpus += u.cpus;
    usage.bytes += u.bytes;
  };
  add(given(spec.shared.proxy.resources, SHARED_RESOURCES.proxy));
  if (m.prometheus !== false) add(given(m.prometheus.resources, SHARED_RESOURCES.prometheus));
  if (m.grafana !== false) add(given(m.grafana.resources, SHARED_RESOURCES.grafana));
  if (m.loki !== false) {
    add(given(m.loki.resources, SHARED_RESOURCES.loki));
    add(given(undefined, SHARED_RESOURCES.alloy));
  }
  if (m.alertmanager !== false) add(given(m.alertmanager.resources, SHARED_RESOURCES.alertmanager));
  if (m.nodeExporter) add(given(undefined, SHARED_RESOURCES.nodeExporter));
  if (m.cadvisor) add(given(undefined, SHARED_RESOURCES.cadvisor));
  const mirror = spec.shared.registryMirror;
  if (mirror) add(given(mirror.resources, SHARED_RESOURCES.registry));
  return usage;
}

export function projectUsage(p: Project): Usage {
  const usage: Usage = { cpus: 0, bytes: 0, disk: 0 };
  for (const s of p.services) {
    const count = s.type === 'cron' ? Math.min(s.replicas, 1) : s.replicas;
    usage.cpus += s.resources.cpus.toMillicores() * count;
    usage.bytes += s.resources.memory.toBytes() * count;
    if ('storage' in s && s.storage) usage.disk += s.storage.toBytes();
    if (hasExporter(s) && count > 0) {
      const e = resourcesOf(EXPORTER_RESOURCES[s.type as 'postgres' | 'redis']);
      usage.cpus += e.cpus.toMillicores();
      usage.bytes += e.memory.toBytes();
    }
    if (s.type === 'rabbitmq' && s.ui) {
      const g = resourcesOf(MANAGEMENT_GATE_RESOURCES);
      usage.cpus += g.cpus.toMillicores();
      usage.bytes += g.memory.toBytes();
    }
  }
  return usage;
}

/**
 * Limits against `capacity - reserve`: an error above the overcommit (memory 1×, CPUs 2× unless
 * set), a warning above 100% when overcommitted, else above 85%. A project above its own quota is an
 * error at the quota.
 */
export function checkBudget(spec: Spec): { budget: Budget; diagnostics: Diagnostic[] } {
  const shared = sharedUsage(spec);
  const projects: Record<string, Usage> = {};
  const total: Usage = { ...shared };
  for (const p of spec.projects) {
    const u = projectUsage(p);
    projects[p.name] = u;
    total.cpus += u.cpus;
    total.bytes += u.bytes;
    total.disk += u.disk;
  }
  const { capacity, reserve, overcommit } = spec.server;
  const budget: Budget = {
    cpus: {
      used: total.cpus / 1000,
      available: (capacity.cpus.toMillicores() - (reserve.cpus?.toMillicores() ?? 0)) / 1000,
      overcommit: overcommit.cpus,
    },
    memory: {
      used: total.bytes,
      available: capacity.memory.toBytes() - (reserve.memory?.toBytes() ?? 0),
      overcommit: overcommit.memory,
    },
    shared,
    projects,
    quotas: {},
  };
  if (capacity.disk)
    budget.disk = { used: total.disk, available: capacity.disk.toBytes() - (reserve.disk?.toBytes() ?? 0) };

  const diagnostics: Diagnostic[] = [];
  const biggest = (pick: (u: Usage) => number, show: (n: number) => string) =>
    Object.entries(projects)
      .sort((a, b) => pick(b[1]) - pick(a[1]))
      .slice(0, 3)
      .map(([name, u]) => `${name} ${show(pick(u))}`)
      .concat(`shared stack ${show(pick(shared))}`)
      .join(', ');
  const check = (
    what: 'cpus' | 'memory' | 'disk',
    { used, available, overcommit = 1 }: { used: number; available: number; overcommit?: number },
    show: (n: number) => string,
    pick: (u: Usage) => number,
  ) => {
    const ratio = available > 0 ? used / available : Number.POSITIVE_INFINITY;
    const pct = Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : 'no room at all';
    const label = what === 'cpus' ? 'CPUs' : what;
    const params = {
      used: show(used),
      what: label,
      key: what,
      available: show(available),
      share: pct,
      largest: biggest(pick, show),
      overcommit,
      allowed: show(available * overcommit),
    };
    const at = ['server', 'capacity', what];
    if (ratio > overcommit) diagnostics.push(diagnostic(overcommit > 1 ? 'SC0807' : 'SC0804', at, params));
    else if (overcommit > 1 && ratio > 1) diagnostics.push(diagnostic('SC0808', at, params));
    else if (overcommit <= 1 && ratio > WARN_RATIO) diagnostics.push(diagnostic('SC0805', at, params));
  };
  const cpus = (n: number) => `${round(n)}`;
  check('cpus', budget.cpus, cpus, (u) => u.cpus / 1000);
  check('memory', budget.memory, formatBytes, (u) => u.bytes);
  if (budget.disk) check('disk', budget.disk, formatBytes, (u) => u.disk);

  for (const p of spec.projects) {
    if (!p.quota) continue;
    const quota: { cpus?: number; bytes?: number } = {};
    const used = projects[p.name]!;
    const over = (what: 'cpus' | 'memory', usage: number, cap: number, show: (n: number) => string) => {
      if (usage <= cap) return;
      diagnostics.push(
        diagnostic('SC0809', ['projects', p.name, 'quota', what], {
          project: p.name,
          used: show(usage),
          what: what === 'cpus' ? 'CPUs' : what,
          quota: show(cap),
          key: what,
        }),
      );
    };
    if (p.quota.cpus) {
      quota.cpus = p.quota.cpus.toMillicores();
      over('cpus', used.cpus, quota.cpus, (n) => cpus(n / 1000));
    }
    if (p.quota.memory) {
      quota.bytes = p.quota.memory.toBytes();
      over('memory', used.bytes, quota.bytes, formatBytes);
    }
    budget.quotas[p.name] = quota;
  }
  return { budget, diagnostics };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Math.round(v * 10) / 10}${units[i]}`;
}
