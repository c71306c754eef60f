/** `spec`: the schema, YAML loading with positions, `${VAR}` filling, defaults and the resolved model. */

export { Cidr } from './cidr.ts';
export { CODES, type Code } from './codes.ts';
export { type CronSchedule, parseCron } from './cron.ts';
export * from './defaults.ts';
export * from './diagnostic.ts';
export { escapeControl, hasControl } from './escape.ts';
export { LIMITS } from './limits.ts';
export { type Env, type LoadResult, loadSpecFile, loadSpecText, place } from './load.ts';
export * from './model.ts';
export { PORT_KINDS, type PortKind, portRange } from './ports.ts';
export * from './previews.ts';
export { RateLimit } from './rate-limit.ts';
export { type Role, roleAllows, roleOf } from './roles.ts';
export { allRoutes, publicUrl, type RouteEntry } from './routes.ts';
export { ROLES, SERVICE_TYPES, specSchema, userName } from './schema.ts';
export type { SpecSource } from './source.ts';
export * from './units.ts';
