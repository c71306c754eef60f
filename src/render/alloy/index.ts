import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { containerDiscovery, containerLabels } from './discovery.ts';
import { containerLogs, lokiWriter, tenantRouting } from './pipeline.ts';
import { serialise } from './syntax.ts';

/** Grafana Alloy, the log shipper (promtail's successor): `shared/alloy/config.alloy`. */
export { DOCKER_HOST, dockerLabelMeta } from './discovery.ts';
export { type Block, ref, serialise, type Value } from './syntax.ts';

/**
 * Docker containers of this environment → labels (project, service, container, environment) →
 * tenant = project → Loki. Rendered with Loki: nothing when `monitoring.loki` is false.
 */
export function renderAlloy(ctx: RenderContext): Artifact[] {
  if (ctx.spec.shared.monitoring.loki === false) return [];
  const config = serialise([
    containerDiscovery(ctx.spec.environment),
    containerLabels(),
    containerLogs(),
    tenantRouting(),
    lokiWriter(),
  ]);
  return [
    file(
      'shared/alloy/config.alloy',
      `// Rendered by stagecraft. Edit staging.yaml, not this file.\n\n${config}`,
    ),
  ];
}
