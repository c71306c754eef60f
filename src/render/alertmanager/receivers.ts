import type { Spec } from '../../spec/index.ts';

type Alertmanager = Exclude<Spec['shared']['monitoring']['alertmanager'], false>;

/** Where Alertmanager finds a secret: the file the compose renderer mounts for it. */
export const secretFile = (name: string) => `/run/secrets/${name}`;

/** The receiver of last resort when the spec names none: Alertmanager needs one, and it sends nowhere. */
export const BLACKHOLE = 'blackhole';

/** The receiver the root route uses: the spec's first, or the blackhole. */
export function defaultReceiver(am: Alertmanager): string {
  return am.receivers[0]?.name ?? BLACKHOLE;
}

/**
 * The `global` block: how email leaves (the spec's SMTP server, or a local MTA on port 25), its
 * sender, and the SMTP password as a file, never inline.
 */
export function emailGlobals(spec: Spec, am: Alertmanager) {
  const smtp = am.smtp;
  return {
    smtp_smarthost: smtp?.smarthost ?? 'localhost:25',
    smtp_from: smtp?.from ?? `alertmanager@${spec.server.domain ?? 'localhost'}`,
    // A local MTA on port 25 rarely offers STARTTLS; a named SMTP server is asked for it by default.
    smtp_require_tls: smtp?.requireTls ?? false,
    ...(smtp?.username ? { smtp_auth_username: smtp.username } : {}),
    ...(smtp?.password ? { smtp_auth_password_file: secretFile(smtp.password.secret) } : {}),
  };
}

const SLACK_TITLE =
  '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} {{ .CommonLabels.project }}/{{ .CommonLabels.service }}';
const SLACK_TEXT = '{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ end }}';

/**
 * The spec's receivers in its order: email to an address, Slack and webhooks through URLs kept in
 * secret files (a webhook URL is a credential). A blackhole is added when there are none.
 */
export function receivers(am: Alertmanager): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = am.receivers.map((r) => ({
    name: r.name,
    ...(r.email ? { email_configs: [{ to: r.email, send_resolved: true }] } : {}),
    ...(r.slack
      ? {
          slack_configs: [
            {
              api_url_file: secretFile(r.slack.secret),
              ...(r.slack.channel ? { channel: r.slack.channel } : {}),
              send_resolved: true,
              title: SLACK_TITLE,
              text: SLACK_TEXT,
            },
          ],
        }
      : {}),
    ...(r.webhook
      ? { webhook_configs: [{ url_file: secretFile(r.webhook.secret), send_resolved: true }] }
      : {}),
  }));
  if (defaultReceiver(am) === BLACKHOLE) out.push({ name: BLACKHOLE });
  return out;
}

/** Secret names the Alertmanager container needs mounted at `/run/secrets/<NAME>`, sorted. */
export function alertmanagerSecrets(am: Alertmanager): string[] {
  const names = [
    ...am.receivers.flatMap((r) => [r.slack?.secret, r.webhook?.secret]),
    am.smtp?.password?.secret,
  ].filter((n): n is string => !!n);
  return [...new Set(names)].sort();
}
