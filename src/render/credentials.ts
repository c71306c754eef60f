import { sharedVolume, volumeName } from '../model/index.ts';
import type { DataService, Project, Spec } from '../spec/index.ts';

/**
 * Credentials stagecraft generates for data services: their secret names (kept in the secret
 * store, created on first use) and the non-secret parts (user, database, vhost).
 */
export interface GeneratedSecret {
  project: string;
  name: string;
  /** Who the credential is for, for messages. */
  service: string;
  /**
   * The volume that keeps the credential once the service first started with it (PostgreSQL,
   * RabbitMQ and Grafana set it up only on an empty data folder; Redis reads it at every start).
   */
  volume?: string;
}

const upper = (s: string) => s.toUpperCase().replace(/-/g, '_');

/** `DB_PASSWORD` for a service named `db`. */
export function passwordSecret(service: { name: string }): string {
  return `${upper(service.name)}_PASSWORD`;
}

/** SQL identifiers may not contain `-`; `beryl3`, `my_shop`. */
export function sqlName(name: string): string {
  return name.replace(/-/g, '_');
}

export function postgresUser(project: Project, service: Extract<DataService, { type: 'postgres' }>): string {
  return service.user ?? sqlName(project.name);
}

export function postgresDatabase(
  project: Project,
  service: Extract<DataService, { type: 'postgres' }>,
): string {
  return service.database ?? sqlName(project.name);
}

export function rabbitmqUser(project: Project): string {
  return sqlName(project.name);
}

export function rabbitmqVhost(project: Project, service: Extract<DataService, { type: 'rabbitmq' }>): string {
  return service.vhost ?? project.name;
}

/** Every credential the environment needs generated, in a stable order. */
export function generatedSecrets(spec: Spec): GeneratedSecret[] {
  const out: GeneratedSecret[] = [];
  for (const p of spec.projects) {
    for (const s of p.services) {
      if (s.type === 'postgres' || s.type === 'redis' || s.type === 'rabbitmq') {
        out.push({
          project: p.name,
          name: passwordSecret(s),
          service: s.name,
          ...(s.type === 'redis' ? {} : { volume: volumeName(p.name, s.name, 'data') }),
        });
      }
    }
  }
  if (spec.shared.monitoring.grafana !== false)
    out.push({
      project: 'shared',
      name: 'GRAFANA_ADMIN_PASSWORD',
      service: 'grafana',
      volume: sharedVolume('grafana'),
    });
  if (spec.shared.monitoring.prometheus !== false || spec.shared.monitoring.alertmanager !== false) {
    out.push({ project: 'shared', name: 'PROXY_ADMIN_PASSWORD', service: 'proxy' });
  }
  return out;
}
