import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { toYaml } from '../yaml.ts';

const HEADER = '# Rendered by stagecraft. Edit staging.yaml, not this file.\n';
const BLACKHOLE = 'blackhole';
const secretFile = (name: string) => `/run/secrets/${name}`;

/**
 * `shared/alertmanager/alertmanager.yml`: receivers from the spec (secrets only as files), routing
 * by project and severity, grouping, and inhibition of a service's alerts while it is down.
 */
export function renderAlertmanager(ctx: RenderContext): Artifact[] {
  const { spec } = ctx;
  const am = spec.shared.monitoring.alertmanager;
  if (am === false) return [];
  const smtp = am.smtp;
  const receivers: Record<string, unknown>[] = am.receivers.map((r) => ({
    name: r.name,
    ...(r.email ? { email_configs: [{ to: r.email, send_resolved: true }] } : {}),
    ...(r.slack
      ? {
          slack_configs: [
            {
              api_url_file: secretFile(r.slack.secret),
              send_resolved: true,
              ...(r.slack.channel ? { channel: r.slack.channel } : {}),
              title:
                '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} {{ .CommonLabels.project }}/{{ .CommonLabels.service }}',
              text: '{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ end }}',
            },
          ],
        }
      : {}),
    ...(r.webhook
      ? { webhook_configs: [{ url_file: secretFile(r.webhook.secret), send_resolved: true }] }
      : {}),
  }));
  // Alertmanager needs a receiver for the root route even when the spec names none.
  const fallback = am.receivers[0]?.name ?? BLACKHOLE;
  if (fallback === BLACKHOLE) receivers.push({ name: BLACKHOLE });
  const projectRoutes = spec.projects
    .filter((p) => p.alerts.receiver)
    .map((p) => ({ receiver: p.alerts.receiver, matchers: [`project="${p.name}"`], continue: false }));
  const config = {
    global: {
      smtp_smarthost: smtp?.smarthost ?? 'localhost:25',
      smtp_from: smtp?.from ?? `alertmanager@${spec.server.domain ?? 'localhost'}`,
      smtp_require_tls: smtp?.requireTls ?? false,
      ...(smtp?.username ? { smtp_auth_username: smtp.username } : {}),
      ...(smtp?.password ? { smtp_auth_password_file: secretFile(smtp.password.secret) } : {}),
      resolve_timeout: '5m',
    },
    route: {
      receiver: fallback,
      group_by: ['alertname', 'project', 'service'],
      group_wait: am.groupWait.toPrometheus(),
      group_interval: am.groupInterval.toPrometheus(),
      repeat_interval: am.repeatInterval.toPrometheus(),
      routes: [
        ...projectRoutes,
        // Critical alerts without a project route repeat sooner.
        { receiver: fallback, matchers: ['severity="critical"'], repeat_interval: '1h' },
      ],
    },
    inhibit_rules: [
      // While a service is down, its other alerts are noise.
      {
        source_matchers: ['alertname="ServiceDown"'],
        target_matchers: ['alertname!="ServiceDown"'],
        equal: ['project', 'service'],
      },
      // A critical alert silences the warning of the same name and target.
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ['alertname', 'project', 'service'],
      },
    ],
    receivers,
  };
  return [file('shared/alertmanager/alertmanager.yml', HEADER + toYaml(config))];
}
