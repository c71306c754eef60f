/**
 * How `up` tells from outside a container that its service is ready: one request to the
 * container's address, in the service's own protocol. The engine's healthcheck runs its command
 * inside the container (a `runc exec`, ~55 ms of the container's CPU on these machines, charged
 * to its CPU limit), so checking every second to make start-up fast would cost a small container
 * a third of its CPU for as long as it runs. With this probe the health gate answers as soon as the
 * service does, and the healthcheck can run at a calm interval. The probe travels as a label.
 */
export type ReadinessProbe =
  | { kind: 'http'; port: number; path: string }
  | { kind: 'postgres'; port: number; user: string; database: string }
  | { kind: 'redis'; port: number }
  | { kind: 'amqp'; port: number };

/** The probe as its label value on the container. */
export const probeLabel = (probe: ReadinessProbe): string => JSON.stringify(probe);

/** The probe a label describes; undefined for no label or one this version does not know. */
export function parseProbe(label: string | undefined): ReadinessProbe | undefined {
  if (!label) return undefined;
  try {
    const p = JSON.parse(label) as ReadinessProbe;
    if (!Number.isInteger(p.port)) return undefined;
    if (p.kind === 'http' && typeof p.path === 'string') return p;
    if (p.kind === 'postgres' && typeof p.user === 'string' && typeof p.database === 'string') return p;
    if (p.kind === 'redis' || p.kind === 'amqp') return p;
    return undefined;
  } catch {
    return undefined;
  }
}
