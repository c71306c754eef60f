import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { toYaml } from '../yaml.ts';
import { lokiConfig } from './config.ts';

/** Loki, the log store: `shared/loki/loki.yml`, and the tenants and URLs the log shipper and Grafana share. */
export { lokiConfig, retentionHours } from './config.ts';
export { LOKI_PUSH_URL, LOKI_URL } from './endpoint.ts';
export { lokiTenants, SHARED_TENANT, tenantOf } from './tenants.ts';

/** `shared/loki/loki.yml`; nothing when `monitoring.loki` is false. */
export function renderLoki(ctx: RenderContext): Artifact[] {
  const loki = ctx.spec.shared.monitoring.loki;
  if (loki === false) return [];
  return [
    file(
      'shared/loki/loki.yml',
      `# Rendered by stagecraft. Edit staging.yaml, not this file.\n${toYaml(lokiConfig(loki.retention))}`,
    ),
  ];
}
