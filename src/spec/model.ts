import type { ParsedSpec } from './schema.ts';
import type { Cpus, Size } from './units.ts';

/**
 * The resolved model: the parsed spec with what depends on other fields filled in (project
 * domains, app routes, names). Everything downstream (plan, render, drivers) reads this.
 */
type ParsedProject = ParsedSpec['projects'][string];
type ParsedService = ParsedProject['services'][string];
export type ServiceType = ParsedService['type'];

export interface Route {
  host: string;
  path: string;
}

export interface Resources {
  cpus: Cpus;
  memory: Size;
}

/** Each service knows its name, its project, where it stands in the file, and its full resources. */
type Resolved<S> = Omit<S, 'resources'> & {
  name: string;
  project: string;
  path: readonly (string | number)[];
  resources: Resources;
};
export type AppService = Resolved<Extract<ParsedService, { type: 'app' }>> & { resolvedRoutes: Route[] };
export type WorkerService = Resolved<Extract<ParsedService, { type: 'worker' }>>;
export type CronService = Resolved<Extract<ParsedService, { type: 'cron' }>>;
export type PostgresService = Resolved<Extract<ParsedService, { type: 'postgres' }>>;
export type RedisService = Resolved<Extract<ParsedService, { type: 'redis' }>>;
export type RabbitmqService = Resolved<Extract<ParsedService, { type: 'rabbitmq' }>>;
export type Service =
  | AppService
  | WorkerService
  | CronService
  | PostgresService
  | RedisService
  | RabbitmqService;
export type DataService = PostgresService | RedisService | RabbitmqService;

export interface Project extends Omit<ParsedProject, 'services' | 'domain'> {
  name: string;
  domain: string;
  services: Service[];
  /** A preview's project (`shop--feat-login`) names the project it copies (`shop`). */
  previewOf?: string;
}

export interface Spec extends Omit<ParsedSpec, 'projects'> {
  file: string;
  projects: Project[];
}
