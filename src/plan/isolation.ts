import type { Project, Spec } from '../spec/index.ts';
import { hasExporter, metricsPort } from './containers.ts';

export interface IsolationEntry {
  from: string;
  to: string;
  allowed: boolean;
  /** The port tried on `to`; absent for whole-project entries (`p/*`). */
  port?: number;
  /** With a wildcard `to` (every project): the services left out. */
  except?: string;
  why: string;
}

const SHARED_ADMIN: Record<string, number> = {
  grafana: 3000,
  prometheus: 9090,
  alertmanager: 9093,
  loki: 3100,
};
const MANAGEMENT_PORT = 15672;

interface Target {
  name: string;
  port: number;
  kind: 'app' | 'data' | 'exporter' | 'metrics' | 'ui';
}

/** Where each service of a project listens, as the isolation model sees it. */
export function projectTargets(p: Project): Target[] {
  const out: Target[] = [];
  for (const s of p.services) {
    const at = (port: number, kind: Target['kind'], name = `${p.name}/${s.name}`) =>
      out.push({ name, port, kind });
    switch (s.type) {
      case 'app':
        at(s.port, 'app');
        {
          const port = metricsPort(s);
          if (port !== undefined && port !== s.port) at(port, 'metrics');
        }
        break;
      case 'worker':
        if (s.metrics) at(s.metrics.port, 'metrics');
        break;
      case 'postgres':
        at(5432, 'data');
        break;
      case 'redis':
        at(6379, 'data');
        break;
      case 'rabbitmq':
        at(5672, 'data');
        if (s.ui) at(MANAGEMENT_PORT, 'ui');
        break;
      case 'cron':
        break;
    }
    if (hasExporter(s)) at(s.type === 'postgres' ? 9187 : 9121, 'exporter', `${p.name}/${s.name}-exporter`);
  }
  return out;
}

/**
 * The isolation matrix of the architecture doc: a project's services reach their own project;
 * the proxy reaches only apps (and RabbitMQ UIs); Prometheus reaches only metrics endpoints and
 * exporters; nothing of a project reaches another project or the shared stack's admin ports.
 * Cross-project denial is one entry per project (to every project except its own), so the list grows linearly.
 */
export function isolationMatrix(spec: Spec): IsolationEntry[] {
  const out: IsolationEntry[] = [];
  const monitoring = spec.shared.monitoring;
  const sharedAdmin = Object.entries(SHARED_ADMIN).filter(
    ([name]) => monitoring[name as 'grafana'] !== false,
  );
  for (const p of spec.projects) {
    const targets = projectTargets(p);
    const sources = p.services.map((s) => `${p.name}/${s.name}`);
    for (const from of sources) {
      for (const t of targets) {
        if (t.name !== from) out.push({ from, to: t.name, allowed: true, port: t.port, why: 'same project' });
      }
    }
    for (const t of targets) {
      const proxyMay = t.kind === 'app' || t.kind === 'ui';
      out.push({
        from: 'shared/proxy',
        to: t.name,
        allowed: proxyMay,
        port: t.port,
        why: proxyMay ? 'the proxy serves it' : 'the proxy reaches only apps',
      });
      if (monitoring.prometheus !== false) {
        const scraped =
          t.kind === 'exporter' || t.kind === 'metrics' || (t.kind === 'app' && appHasMetrics(p, t.name));
        out.push({
          from: 'shared/prometheus',
          to: t.name,
          allowed: scraped,
          port: t.port,
          why: scraped ? 'a scrape target' : 'Prometheus reaches only metrics endpoints',
        });
      }
    }
    for (const [name, port] of sharedAdmin) {
      out.push({
        from: `${p.name}/*`,
        to: `shared/${name}`,
        allowed: false,
        port,
        why: 'the shared stack’s admin port',
      });
    }
  }
  // One entry per project, not per pair: the list stays linear in projects (plan.json for 1,000 projects).
  if (spec.projects.length > 1) {
    for (const p of spec.projects) {
      out.push({
        from: `${p.name}/*`,
        to: '*/*',
        except: `${p.name}/*`,
        allowed: false,
        why: 'every other project',
      });
    }
  }
  return out;
}

/** An app Prometheus scrapes on the port it serves (metrics not on a port of their own). */
function appHasMetrics(p: Project, name: string): boolean {
  const s = p.services.find((x) => `${p.name}/${x.name}` === name);
  return s?.type === 'app' && metricsPort(s) === s.port;
}
