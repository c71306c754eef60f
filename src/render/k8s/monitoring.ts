import type {
  IPodMonitor,
  IPrometheusRule,
  IServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { IAlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import type { IConfigMap } from 'kubernetes-models/v1';
import { metricsPort } from '../../plan/index.ts';
import type { Project, Spec } from '../../spec/index.ts';
import type { RenderContext } from '../context.ts';
import { renderGrafana } from '../grafana/index.ts';
import { alertRules } from '../prometheus/index.ts';
import { ruleFile, ruleGroups } from '../prometheus/rules.ts';
import {
  MONITORING_NAMESPACE,
  projectLabels,
  projectNamespace,
  secretsName,
  selectorLabels,
  sharedLabels,
} from './names.ts';
import { type KubeObject, typed } from './object.ts';
import { PORT_NAME } from './pod.ts';

/** Label the Grafana dashboard sidecar looks for (kube-prometheus-stack's default). */
export const DASHBOARD_LABEL = 'grafana_dashboard';

/**
 * What Prometheus scrapes, as prometheus-operator objects in the monitoring namespace: a
 * ServiceMonitor per app with metrics and per exporter, a PodMonitor per worker with metrics.
 */
export function scrapeObjects(spec: Spec): KubeObject[] {
  if (spec.shared.monitoring.prometheus === false) return [];
  const out: KubeObject[] = [];
  for (const project of spec.projects) {
    const namespace = projectNamespace(spec, project.name);
    const metadata = (name: string) => ({
      name: `${project.name}-${name}`,
      namespace: MONITORING_NAMESPACE,
      labels: projectLabels(spec, project.name),
    });
    const namespaceSelector = { matchNames: [namespace] };
    for (const s of project.services) {
      const selector = { matchLabels: selectorLabels(project.name, s.name) };
      const scraped = metricsPort(s);
      if (s.type === 'app' && scraped !== undefined) {
        // An app's metrics are on the port it serves unless they have one of their own (the same rule as compose's scrape jobs).
        const port = scraped !== s.port ? PORT_NAME.metrics : PORT_NAME.http;
        const path = s.metrics ? s.metrics.path : '/metrics';
        out.push(
          typed<IServiceMonitor>({
            apiVersion: 'monitoring.coreos.com/v1',
            kind: 'ServiceMonitor',
            metadata: metadata(s.name),
            spec: { namespaceSelector, selector, endpoints: [{ port, path }] },
          }),
        );
      }
      if (s.type === 'worker' && s.metrics) {
        out.push(
          typed<IPodMonitor>({
            apiVersion: 'monitoring.coreos.com/v1',
            kind: 'PodMonitor',
            metadata: metadata(s.name),
            spec: {
              namespaceSelector,
              selector,
              podMetricsEndpoints: [{ port: PORT_NAME.metrics, path: s.metrics.path }],
            },
          }),
        );
      }
      if ((s.type === 'postgres' || s.type === 'redis') && s.exporter) {
        out.push(
          typed<IServiceMonitor>({
            apiVersion: 'monitoring.coreos.com/v1',
            kind: 'ServiceMonitor',
            metadata: metadata(`${s.name}-exporter`),
            spec: { namespaceSelector, selector, endpoints: [{ port: PORT_NAME.metrics, path: '/metrics' }] },
          }),
        );
      }
    }
  }
  return out;
}

/**
 * The compose target's alert rules, one PrometheusRule with a group per rule file; not drift,
 * which `serve` measures on a Docker engine (a cluster has Argo CD's sync status for that).
 */
export function prometheusRule(spec: Spec): KubeObject[] {
  if (spec.shared.monitoring.prometheus === false) return [];
  const groups = ruleGroups(alertRules(spec))
    .filter(([group]) => group !== 'drift')
    .flatMap(([group, rules]) => ruleFile(group, rules).groups);
  if (groups.length === 0) return [];
  return [
    typed<IPrometheusRule>({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'stagecraft-alerts', namespace: MONITORING_NAMESPACE, labels: sharedLabels(spec) },
      spec: { groups },
    }),
  ];
}

/** The compose target's Grafana dashboards, each in a ConfigMap the dashboard sidecar picks up, filed by folder. */
export function dashboardConfigMaps(ctx: RenderContext): KubeObject[] {
  return renderGrafana(ctx)
    .map((a) => ({ a, m: /^shared\/grafana\/dashboards\/([^/]+)\/([^/]+)\.json$/.exec(a.path) }))
    .filter(({ m }) => m !== null)
    .map(({ a, m }) =>
      typed<IConfigMap>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `dashboard-${m![1]}-${m![2]}`,
          namespace: MONITORING_NAMESPACE,
          labels: { ...sharedLabels(ctx.spec), [DASHBOARD_LABEL]: '1' },
          annotations: { grafana_folder: m![1]! },
        },
        data: { [`${m![1]}-${m![2]}.json`]: a.content },
      }),
    );
}

/**
 * A project's alerts to its own receiver (`alerts.receiver`), as an AlertmanagerConfig in its
 * namespace (the operator scopes it to alerts from there). Webhook and Slack URLs come from the
 * project's Secret.
 */
export function alertmanagerConfig(
  spec: Spec,
  project: Project,
): { objects: KubeObject[]; secretKeys: string[] } {
  const am = spec.shared.monitoring.alertmanager;
  const name = project.alerts.receiver;
  const receiver = am === false || !name ? undefined : am.receivers.find((r) => r.name === name);
  if (!receiver) return { objects: [], secretKeys: [] };
  const secret = (key: string) => ({ name: secretsName(project.name), key });
  const secretKeys = [receiver.slack?.secret, receiver.webhook?.secret].filter((k): k is string => !!k);
  return {
    secretKeys,
    objects: [
      typed<IAlertmanagerConfig>({
        apiVersion: 'monitoring.coreos.com/v1alpha1',
        kind: 'AlertmanagerConfig',
        metadata: {
          name: project.name,
          namespace: projectNamespace(spec, project.name),
          labels: projectLabels(spec, project.name),
        },
        spec: {
          route: { receiver: receiver.name, groupBy: ['alertname', 'service'] },
          receivers: [
            {
              name: receiver.name,
              ...(receiver.email ? { emailConfigs: [{ to: receiver.email }] } : {}),
              ...(receiver.slack
                ? {
                    slackConfigs: [
                      {
                        apiURL: secret(receiver.slack.secret),
                        ...(receiver.slack.channel ? { channel: receiver.slack.channel } : {}),
                      },
                    ],
                  }
                : {}),
              ...(receiver.webhook
                ? { webhookConfigs: [{ urlSecret: secret(receiver.webhook.secret) }] }
                : {}),
            },
          ],
        },
      }),
    ],
  };
}
