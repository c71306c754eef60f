/**
 * What the plan allocates per project, and its flat form as the state store records it
 * (`{ project, kind, key, value }` rows).
 */
export interface ProjectAllocation {
  /** The project's block from the pool: the first half is its internal network, then a quarter each for its edge and metrics networks. */
  subnet: string;
  internal: string;
  edge: string;
  metrics: string;
  /** Host ports by service name (apps, databases, caches, queues). */
  ports: Record<string, number>;
  /** Container addresses on the internal network, by container key (`web-1`, `db`). */
  addresses: Record<string, string>;
  /** Container addresses on the edge network (apps). */
  edgeAddresses: Record<string, string>;
  /** Container addresses on the metrics network (what Prometheus scrapes: apps and workers with metrics, exporters). */
  metricsAddresses: Record<string, string>;
}

export type Allocations = Record<string, ProjectAllocation>;

export interface AllocationRow {
  project: string;
  kind: 'subnet' | 'port' | 'address';
  key: string;
  value: string;
}

export function allocationsToRows(allocations: Allocations): AllocationRow[] {
  const rows: AllocationRow[] = [];
  for (const [project, a] of Object.entries(allocations)) {
    rows.push({ project, kind: 'subnet', key: 'block', value: a.subnet });
    for (const [key, port] of Object.entries(a.ports))
      rows.push({ project, kind: 'port', key, value: String(port) });
    for (const [key, ip] of Object.entries(a.addresses))
      rows.push({ project, kind: 'address', key, value: ip });
    for (const [key, ip] of Object.entries(a.edgeAddresses))
      rows.push({ project, kind: 'address', key: `edge:${key}`, value: ip });
    for (const [key, ip] of Object.entries(a.metricsAddresses))
      rows.push({ project, kind: 'address', key: `metrics:${key}`, value: ip });
  }
  return rows;
}

/** The recorded allocations, as the planner reads them; unknown kinds are ignored. */
export interface RecordedAllocations {
  subnets: Map<string, string>;
  ports: Map<string, Map<string, number>>;
  addresses: Map<string, Map<string, string>>;
}

export function rowsToRecorded(rows: readonly AllocationRow[]): RecordedAllocations {
  const recorded: RecordedAllocations = { subnets: new Map(), ports: new Map(), addresses: new Map() };
  for (const r of rows) {
    if (r.kind === 'subnet') recorded.subnets.set(r.project, r.value);
    else if (r.kind === 'port') mapOf(recorded.ports, r.project).set(r.key, Number(r.value));
    else if (r.kind === 'address') mapOf(recorded.addresses, r.project).set(r.key, r.value);
  }
  return recorded;
}

export const NOTHING_RECORDED: RecordedAllocations = {
  subnets: new Map(),
  ports: new Map(),
  addresses: new Map(),
};

function mapOf<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}
