import type { Spec } from '../../spec/index.ts';
import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { sharedPageUrl } from '../prometheus/public-url.ts';
import { toYaml } from '../yaml.ts';
import { inhibitRules } from './inhibitions.ts';
import { emailGlobals, receivers } from './receivers.ts';
import { route } from './routes.ts';

const HEADER = '# Rendered by stagecraft. Edit staging.yaml, not this file.\n';

/**
 * `shared/alertmanager/alertmanager.yml`: receivers from the spec (secrets only as files), routing
 * by project and severity, grouping, and inhibition of a service's alerts while it is down.
 * Nothing when Alertmanager is off.
 */
export function renderAlertmanager(ctx: RenderContext): Artifact[] {
  const { spec } = ctx;
  const am = spec.shared.monitoring.alertmanager;
  if (am === false) return [];
  const config = {
    global: { ...emailGlobals(spec, am), resolve_timeout: '5m' },
    route: route(spec, am),
    inhibit_rules: inhibitRules(),
    receivers: receivers(am),
  };
  return [file('shared/alertmanager/alertmanager.yml', HEADER + toYaml(config))];
}

/**
 * Alertmanager's command line, for the compose renderer: one instance, so no cluster listener,
 * and the external URL makes the links in notifications point at the proxy's `alerts.<domain>`.
 */
export function alertmanagerArgs(spec: Spec): string[] {
  const url = sharedPageUrl(spec, 'alertmanager');
  return [
    '--config.file=/etc/alertmanager/alertmanager.yml',
    '--storage.path=/alertmanager',
    '--cluster.listen-address=',
    ...(url ? [`--web.external-url=${url}`] : []),
  ];
}

export { alertmanagerSecrets, BLACKHOLE, secretFile } from './receivers.ts';
