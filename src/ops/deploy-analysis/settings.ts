import type { Project, Spec } from '../../spec/index.ts';

/** A project's `deploy.analysis` with every threshold filled in (from `shared.alerts`, else their defaults). */
export interface AnalysisSettings {
  windowMs: number;
  window: string;
  /** 0 to 1. */
  errorRate: number;
  /** Seconds. */
  latencyP95: number;
  minRequests: number;
  /** How often Prometheus is asked: a scrape interval, between 1 s and 10 s. */
  stepMs: number;
}

const DEFAULT_ERROR_RATE = 5;
const DEFAULT_LATENCY_SECONDS = 2;

export function analysisSettings(spec: Spec, project: Project): AnalysisSettings | undefined {
  const a = project.deploy.analysis;
  const prometheus = spec.shared.monitoring.prometheus;
  if (!a || prometheus === false) return undefined;
  const alerts = spec.shared.alerts;
  const errorPct =
    a.errorRate?.value ?? (alerts.errorRate === false ? DEFAULT_ERROR_RATE : alerts.errorRate.above.value);
  const latency =
    a.latencyP95?.toSeconds() ??
    (alerts.latencyP95 === false ? DEFAULT_LATENCY_SECONDS : alerts.latencyP95.above.toSeconds());
  return {
    windowMs: a.window.toMilliseconds(),
    window: String(a.window),
    errorRate: errorPct / 100,
    latencyP95: latency,
    minRequests: a.minRequests,
    stepMs: Math.min(10_000, Math.max(1000, prometheus.scrapeInterval.toMilliseconds())),
  };
}
