import { planToJson } from '../plan/index.ts';
import { renderAlertmanager } from './alertmanager/index.ts';
import { renderAlloy } from './alloy/index.ts';
import { type Artifact, file } from './artifact.ts';
import { renderBackups } from './backup/index.ts';
import { renderProjectCompose } from './compose/project.ts';
import { renderSharedCompose } from './compose/shared.ts';
import type { RenderContext } from './context.ts';
import { renderGrafana } from './grafana/index.ts';
import { renderLoki } from './loki/index.ts';
import { renderNginx } from './nginx/index.ts';
import { prometheusArgs, renderPrometheus } from './prometheus/index.ts';
import { renderProxyMetrics } from './proxy-metrics/index.ts';
import { renderRegistryMirror } from './registry/index.ts';

/**
 * The server's whole layout, every family's files (compose, nginx, Prometheus, Alertmanager, Loki,
 * Alloy, Grafana, backups, the plan), sorted by path so output order is stable.
 */
export function renderServerLayout(ctx: RenderContext): Artifact[] {
  const artifacts: Artifact[] = [
    ...renderSharedCompose(ctx, { prometheusArgs: prometheusArgs(ctx.spec) }),
    ...ctx.spec.projects.flatMap((p) => renderProjectCompose(ctx, p)),
    ...renderNginx(ctx),
    ...renderPrometheus(ctx),
    ...renderProxyMetrics(ctx),
    ...renderAlertmanager(ctx),
    ...renderLoki(ctx),
    ...renderAlloy(ctx),
    ...renderGrafana(ctx),
    ...renderBackups(ctx),
    ...renderRegistryMirror(ctx.spec),
    file('plan.json', JSON.stringify(planToJson(ctx.plan), null, 2)),
  ];
  return artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
