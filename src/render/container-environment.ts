import { SERVICE_PORTS } from '../model/index.ts';
import type { ContainerSlot } from '../plan/index.ts';
import type { Project, Service, Spec } from '../spec/index.ts';
import {
  passwordSecret,
  postgresDatabase,
  postgresUser,
  rabbitmqUser,
  rabbitmqVhost,
} from './credentials.ts';

/**
 * A container's environment, split in two: plain values that may be written into rendered files,
 * and secret values as templates (`{{secret:PROJECT/NAME}}`) that only `up` (or
 * `render --with-secrets`) fills, into files of mode 0600.
 */
export interface ContainerEnvironment {
  plain: Record<string, string>;
  secret: Record<string, string>;
}

export function secretRef(project: string, name: string): string {
  return `{{secret:${project}/${name}}}`;
}

const SECRET_REF = /\{\{secret:([a-z0-9-]+)\/([A-Z0-9_]+)\}\}/g;

/** Fills the secret templates; values are URL-encoded where they sit inside a URL. */
export function fillSecrets(template: string, lookup: (project: string, name: string) => string): string {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(template);
  return template.replace(SECRET_REF, (_, project: string, name: string) => {
    const value = lookup(project, name);
    return isUrl ? encodeURIComponent(value) : value;
  });
}

/** The secrets a template names, in order (the k8s target turns each into a `secretKeyRef`). */
export function secretNamesIn(template: string): { project: string; name: string }[] {
  return [...template.matchAll(SECRET_REF)].map((m) => ({ project: m[1]!, name: m[2]! }));
}

/** What a service's `uses` injects: `DATABASE_URL`, `REDIS_URL`, `RABBITMQ_URL` (or `<SERVICE>_URL` when two of a kind). */
function injectedUrls(project: Project, s: Service, env: ContainerEnvironment): void {
  const used = s.uses.map((n) => project.services.find((x) => x.name === n)).filter((x): x is Service => !!x);
  const countOf = (type: string) => used.filter((u) => u.type === type).length;
  const key = (u: Service, conventional: string) =>
    countOf(u.type) > 1 ? `${u.name.toUpperCase().replace(/-/g, '_')}_URL` : conventional;
  for (const u of used) {
    switch (u.type) {
      case 'postgres':
        env.secret[key(u, 'DATABASE_URL')] =
          `postgres://${postgresUser(project, u)}:${secretRef(project.name, passwordSecret(u))}@${u.name}:${SERVICE_PORTS.postgres}/${postgresDatabase(project, u)}`;
        break;
      case 'redis':
        env.secret[key(u, 'REDIS_URL')] =
          `redis://:${secretRef(project.name, passwordSecret(u))}@${u.name}:${SERVICE_PORTS.redis}/0`;
        break;
      case 'rabbitmq':
        env.secret[key(u, 'RABBITMQ_URL')] =
          `amqp://${rabbitmqUser(project)}:${secretRef(project.name, passwordSecret(u))}@${u.name}:${SERVICE_PORTS.rabbitmq}/${encodeURIComponent(rabbitmqVhost(project, u))}`;
        break;
      case 'app':
        env.plain[`${u.name.toUpperCase().replace(/-/g, '_')}_URL`] = `http://${u.name}:${u.port}`;
        break;
    }
  }
}

export function containerEnvironment(
  spec: Spec,
  project: Project,
  s: Service,
  slot: ContainerSlot,
): ContainerEnvironment {
  const env: ContainerEnvironment = { plain: {}, secret: {} };
  if (slot.role === 'exporter') {
    if (s.type === 'postgres') {
      env.secret.DATA_SOURCE_NAME = `postgresql://${postgresUser(project, s)}:${secretRef(project.name, passwordSecret(s))}@${s.name}:${SERVICE_PORTS.postgres}/${postgresDatabase(project, s)}?sslmode=disable`;
    } else if (s.type === 'redis') {
      env.plain.REDIS_ADDR = `redis://${s.name}:${SERVICE_PORTS.redis}`;
      env.secret.REDIS_PASSWORD = secretRef(project.name, passwordSecret(s));
    }
    return env;
  }
  env.plain.STAGECRAFT_ENVIRONMENT = spec.environment;
  env.plain.STAGECRAFT_PROJECT = project.name;
  env.plain.STAGECRAFT_SERVICE = s.name;
  switch (s.type) {
    case 'postgres':
      env.plain.POSTGRES_USER = postgresUser(project, s);
      env.plain.POSTGRES_DB = postgresDatabase(project, s);
      env.secret.POSTGRES_PASSWORD = secretRef(project.name, passwordSecret(s));
      break;
    case 'redis':
      env.secret.REDIS_PASSWORD = secretRef(project.name, passwordSecret(s));
      break;
    case 'rabbitmq':
      env.plain.RABBITMQ_DEFAULT_USER = rabbitmqUser(project);
      env.plain.RABBITMQ_DEFAULT_VHOST = rabbitmqVhost(project, s);
      env.secret.RABBITMQ_DEFAULT_PASS = secretRef(project.name, passwordSecret(s));
      break;
    case 'app':
      env.plain.PORT = String(s.port);
      break;
    default:
      break;
  }
  injectedUrls(project, s, env);
  for (const [k, v] of Object.entries(s.env)) env.plain[k] = v;
  for (const name of s.secrets) env.secret[name] = secretRef(project.name, name);
  return env;
}
