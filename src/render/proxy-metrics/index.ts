import { SHARED_PORTS, sharedAddress } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import type { Artifact } from '../artifact.ts';
import { file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';

/**
 * The proxy's per-app traffic as Prometheus series, in every image mode: nginx sends one short
 * access-log line per request as syslog over UDP (never blocking a request, whether or not the
 * reader runs) to mtail, which counts them by project, service and status and keeps a latency
 * histogram. Debian's nginx has no VTS module, and Loki/Alloy are absent from the local image set.
 */
export const PROXY_METRIC = {
  requests: 'stagecraft_proxy_requests_total',
  duration: 'stagecraft_proxy_request_duration_seconds',
} as const;

/** mtail runs wherever Prometheus does: nothing else reads it. */
export function proxyMetricsRun(spec: Spec): boolean {
  return spec.shared.monitoring.prometheus !== false;
}

export const PROXY_LOG_FORMAT_NAME = 'stagecraft_metrics';

/** One line per request, newline-terminated (mtail splits datagrams on newlines). */
const LINE = '$stagecraft_project $stagecraft_service $status $request_time\n';

/** The `log_format` and `access_log` directives' arguments for nginx.conf's `http` block. */
export function proxyLogDirectives(spec: Spec): { format: string[]; log: string[] } {
  const to = `${sharedAddress(spec, 'proxy-metrics')}:${SHARED_PORTS.proxyLog}`;
  return {
    format: [PROXY_LOG_FORMAT_NAME, LINE],
    // An address, not a name: nginx resolves a syslog server once, at start, when mtail may not run yet.
    log: [`syslog:server=${to},facility=local7,tag=stagecraft,nohostname`, PROXY_LOG_FORMAT_NAME],
  };
}

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The default buckets and every latency threshold of the spec, so a p95 is exact where it is judged. */
export function latencyBuckets(spec: Spec): number[] {
  const thresholds = [
    spec.shared.alerts.latencyP95 === false ? undefined : spec.shared.alerts.latencyP95.above.toSeconds(),
    ...spec.projects.map((p) => p.deploy.analysis?.latencyP95?.toSeconds()),
  ].filter((t): t is number => t !== undefined);
  return [...new Set([...DEFAULT_BUCKETS, ...thresholds])].sort((a, b) => a - b);
}

/** The mtail program: a counter by project, service and status, a histogram by project and service. */
export function mtailProgram(spec: Spec): string {
  return `# Rendered by stagecraft: the proxy's requests per app. Edit staging.yaml, not this file.
counter ${PROXY_METRIC.requests} by project, service, status
histogram ${PROXY_METRIC.duration} by project, service buckets ${latencyBuckets(spec).join(', ')}

/ (?P<project>[a-z0-9-]+) (?P<service>[a-z0-9_-]+) (?P<status>\\d{3}) (?P<seconds>\\d+\\.\\d+)$/ {
  ${PROXY_METRIC.requests}[$project][$service][$status]++
  ${PROXY_METRIC.duration}[$project][$service] = $seconds
}
`;
}

/** `shared/mtail/proxy.mtail`, when mtail runs. */
export function renderProxyMetrics(ctx: RenderContext): Artifact[] {
  return proxyMetricsRun(ctx.spec) ? [file('shared/mtail/proxy.mtail', mtailProgram(ctx.spec))] : [];
}

/** mtail's arguments in its container. */
export function mtailArgs(): string[] {
  return [
    '--progs=/etc/mtail',
    `--logs=udp://0.0.0.0:${SHARED_PORTS.proxyLog}`,
    `--port=${SHARED_PORTS.proxyMetrics}`,
    // Debian's mtail (3.0.0~rc50) reads one datagram per poll: 10ms holds 100 requests/s in full
    // (measured: 1.8% of a core idle, 3.8% at 95/s, 11 MiB). Past that the kernel drops datagrams
    // at random, which leaves the error rate and the p95 unbiased and undercounts requests only.
    '--poll_interval=10ms',
    '--emit_prog_label=false',
    '--logtostderr',
  ];
}
