import type { ServiceType } from './model.ts';
import { Cpus, Size } from './units.ts';

/** Limits used where the spec gives none: small enough for a staging server, big enough to start. */
export const SERVICE_RESOURCES: Record<ServiceType, { cpus: string; memory: string }> = {
  app: { cpus: '0.5', memory: '512MiB' },
  worker: { cpus: '0.25', memory: '256MiB' },
  cron: { cpus: '0.25', memory: '256MiB' },
  postgres: { cpus: '0.5', memory: '1GiB' },
  redis: { cpus: '0.1', memory: '256MiB' },
  rabbitmq: { cpus: '0.25', memory: '512MiB' },
};

/** The shared stack's components and their default limits (the beryl3 seed's figures). */
export const SHARED_RESOURCES = {
  proxy: { cpus: '0.2', memory: '256MiB' },
  prometheus: { cpus: '1', memory: '2GiB' },
  grafana: { cpus: '0.5', memory: '512MiB' },
  loki: { cpus: '0.5', memory: '1GiB' },
  alloy: { cpus: '0.2', memory: '256MiB' },
  alertmanager: { cpus: '0.1', memory: '128MiB' },
  nodeExporter: { cpus: '0.1', memory: '64MiB' },
  cadvisor: { cpus: '0.2', memory: '256MiB' },
  registry: { cpus: '0.2', memory: '256MiB' },
} as const;

/** Exporters that run beside a project's data services. */
export const EXPORTER_RESOURCES = {
  postgres: { cpus: '0.05', memory: '64MiB' },
  redis: { cpus: '0.05', memory: '32MiB' },
} as const;

/** The nginx in front of a RabbitMQ management UI (`ui: true`), the broker's only way to the proxy. */
export const MANAGEMENT_GATE_RESOURCES = { cpus: '0.05', memory: '32MiB' } as const;

export function resourcesOf(r: { cpus: string; memory: string }): { cpus: Cpus; memory: Size } {
  return { cpus: must(Cpus.parse(r.cpus)), memory: must(Size.parse(r.memory)) };
}

function must<T>(r: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(`bad built-in default: ${r.message}`);
  return r.value;
}
