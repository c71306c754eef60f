import { httpGet } from '../../drivers/http-get.ts';
import { SHARED_PORTS, sharedAddress } from '../../model/index.ts';
import { PROXY_METRIC } from '../../render/proxy-metrics/index.ts';
import type { Spec } from '../../spec/index.ts';
import type { AppCounters, Snapshot } from './figures.ts';

/** Prometheus did not answer a query (not running, not reachable from here, or a bad answer). */
export class PrometheusUnreachable extends Error {}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * Prometheus listens on its fixed address on the shared network only (no published port), which
 * the host reaches on a local engine.
 */
async function query(spec: Spec, promql: string): Promise<Sample[]> {
  const host = sharedAddress(spec, 'prometheus');
  const path = `/api/v1/query?query=${encodeURIComponent(promql)}`;
  const answer = await httpGet({ host, port: SHARED_PORTS.prometheus }, path, { timeoutMs: 5000 });
  if (answer.status !== 200)
    throw new PrometheusUnreachable(
      answer.status
        ? `Prometheus at ${host}:${SHARED_PORTS.prometheus} answered ${answer.status}: ${answer.body.slice(0, 200)}`
        : `Prometheus at ${host}:${SHARED_PORTS.prometheus} did not answer`,
    );
  const body = JSON.parse(answer.body) as { status: string; data?: { result?: Sample[] } };
  if (body.status !== 'success' || !body.data?.result)
    throw new PrometheusUnreachable(`Prometheus could not run ${promql}`);
  return body.data.result;
}

const label = (text: string) => JSON.stringify(text);

/** A bucket's `le`: Prometheus writes the last one `+Inf`, which `Number` does not read. */
export const bound = (le: string) => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le));

/** The proxy's counters of the project's apps, as Prometheus last scraped them. */
export async function proxySnapshot(spec: Spec, project: string): Promise<Snapshot> {
  const selector = `{project=${label(project)}}`;
  const [statuses, buckets] = await Promise.all([
    query(spec, `sum by (service, status) (${PROXY_METRIC.requests}${selector})`),
    query(spec, `sum by (service, le) (${PROXY_METRIC.duration}_bucket${selector})`),
  ]);
  const snapshot: Snapshot = new Map();
  const app = (service: string): AppCounters => {
    let counters = snapshot.get(service);
    if (!counters) {
      counters = { byStatus: new Map(), buckets: new Map() };
      snapshot.set(service, counters);
    }
    return counters;
  };
  for (const s of statuses)
    if (s.metric.service && s.metric.status)
      app(s.metric.service).byStatus.set(s.metric.status, Number(s.value[1]));
  for (const s of buckets)
    if (s.metric.service && s.metric.le)
      app(s.metric.service).buckets.set(bound(s.metric.le), Number(s.value[1]));
  return snapshot;
}
