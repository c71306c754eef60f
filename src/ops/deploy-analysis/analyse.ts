import { setTimeout as sleep } from 'node:timers/promises';
import type { Project, Spec } from '../../spec/index.ts';
import type { ReleaseAnalysis, ReleaseRecord, SecretStore } from '../../state/index.ts';
import { NothingToRollBack, rollback } from '../rollback.ts';
import type { RunningEnvironment } from '../running-environment.ts';
import { breaches, figuresBetween, verdictAtEnd } from './figures.ts';
import { PrometheusUnreachable, proxySnapshot } from './prometheus.ts';
import { type AnalysisSettings, analysisSettings } from './settings.ts';

/** How one release's analysis ended. */
export interface AnalysisOutcome {
  project: string;
  release: string;
  analysis: ReleaseAnalysis;
  /** Set when it rolled back: the release it went back to, or why that failed. */
  rolledBackTo?: string;
  rollbackFailed?: string;
}

/** Apps of the project whose containers this run changed: only then is there a release to judge. */
export function changedApps(project: Project, touched: readonly string[]): string[] {
  return project.services
    .filter((s) => s.type === 'app' && s.replicas > 0)
    .filter((s) =>
      touched.some((n) => n === `${project.name}-${s.name}` || n.startsWith(`${project.name}-${s.name}-`)),
    )
    .map((s) => s.name);
}

/** The releases a deploy or up should analyse: succeeded, with `deploy.analysis`, an app changed. */
export function toAnalyse(spec: Spec, releases: readonly ReleaseRecord[], touched: readonly string[]) {
  return releases.flatMap((release) => {
    const project = spec.projects.find((p) => p.name === release.project);
    if (!project || release.status !== 'succeeded') return [];
    const settings = analysisSettings(spec, project);
    if (!settings || !changedApps(project, touched).length) return [];
    return [{ project, release, settings }];
  });
}

/**
 * Watches the project's apps at the proxy for the window, asking Prometheus every step. Over a
 * threshold (an app with `minRequests` at least): the project rolls back through the gated
 * `rollback` at once, the release is recorded `rolled-back` with the figures, and an event (and
 * the `stagecraft_deploy_rollbacks` metric the alert rules read) says so. The window over with no
 * app judged: `unverified`, the release stays.
 */
export async function analyseRelease(
  env: RunningEnvironment & { secrets: SecretStore },
  target: { project: Project; release: ReleaseRecord; settings: AnalysisSettings },
  log: (line: string) => void,
  waitMs?: number,
): Promise<AnalysisOutcome> {
  const { project, release, settings } = target;
  const services = project.services.filter((s) => s.type === 'app').map((s) => s.name);
  const from = new Date();
  const thresholds = {
    window: settings.window,
    errorRate: settings.errorRate,
    latencyP95: settings.latencyP95,
    minRequests: settings.minRequests,
  };
  log(
    `${project.name}: analysing the release for ${settings.window} (error rate ≤ ${thresholds.errorRate * 100}%, p95 ≤ ${thresholds.latencyP95}s, at least ${thresholds.minRequests} requests)`,
  );
  // Prometheus out of reach is no verdict either: the release passed its gates, and nothing says it fails.
  const noVerdict = async (e: PrometheusUnreachable, apps: ReleaseAnalysis['apps'] = []) => {
    const analysis: ReleaseAnalysis = {
      verdict: 'unverified',
      from: from.toISOString(),
      to: new Date().toISOString(),
      thresholds,
      apps,
      breaches: [],
      note: `no verdict: ${e.message}`,
    };
    await env.store.updateRelease(release.id, { analysis });
    return { project: project.name, release: release.id, analysis };
  };
  const snapshot = () =>
    proxySnapshot(env.spec, project.name).catch((e: unknown) => {
      if (e instanceof PrometheusUnreachable) return e;
      throw e;
    });
  const baseline = await snapshot();
  if (baseline instanceof PrometheusUnreachable) return noVerdict(baseline);
  const end = from.getTime() + settings.windowMs;
  let apps: ReleaseAnalysis['apps'] = [];
  for (;;) {
    const left = end - Date.now();
    await sleep(Math.max(0, Math.min(settings.stepMs, left)));
    const now = await snapshot();
    if (now instanceof PrometheusUnreachable) return noVerdict(now, apps);
    apps = figuresBetween(baseline, now, services);
    const over = breaches(apps, settings);
    const done = Date.now() >= end;
    if (!over.length && !done) continue;
    const verdict = over.length ? 'rolled-back' : verdictAtEnd(apps, settings);
    const analysis: ReleaseAnalysis = {
      verdict,
      from: from.toISOString(),
      to: new Date().toISOString(),
      thresholds,
      apps,
      breaches: over,
    };
    if (verdict !== 'rolled-back') {
      await env.store.updateRelease(release.id, { analysis });
      await env.store.addEvent({
        project: project.name,
        kind: 'deploy-analysis',
        message: `release ${release.id} ${verdict}`,
        data: { release: release.id, ...analysis },
      });
      return { project: project.name, release: release.id, analysis };
    }
    return rollBack(env, project, release, analysis, log, waitMs);
  }
}

async function rollBack(
  env: RunningEnvironment & { secrets: SecretStore },
  project: Project,
  release: ReleaseRecord,
  analysis: ReleaseAnalysis,
  log: (line: string) => void,
  waitMs?: number,
): Promise<AnalysisOutcome> {
  for (const b of analysis.breaches) log(`${project.name}: ${b}`);
  let outcome: { rolledBackTo?: string; rollbackFailed?: string };
  try {
    // This release is still the newest good one, so `rollback` goes back from it (and marks it rolled back).
    const r = await rollback(env, project, log, waitMs);
    outcome = r.failed ? { rollbackFailed: r.failed } : { rolledBackTo: r.to.id };
  } catch (e) {
    if (!(e instanceof NothingToRollBack)) throw e;
    outcome = { rollbackFailed: e.message };
  }
  // Never a success: rolled back, or failed when the rollback could not run (it still serves then).
  await env.store.updateRelease(release.id, {
    status: outcome.rollbackFailed ? 'failed' : 'rolled-back',
    analysis,
    ...(outcome.rollbackFailed
      ? { reason: `over the deploy analysis' thresholds; the rollback failed: ${outcome.rollbackFailed}` }
      : {}),
  });
  await env.store.addEvent({
    project: project.name,
    kind: 'deploy-analysis',
    message: `release ${release.id} rolled back: ${analysis.breaches.join('; ')}`,
    data: { release: release.id, ...analysis, ...outcome },
  });
  return { project: project.name, release: release.id, analysis, ...outcome };
}
