import type { Spec } from '../spec/index.ts';

/**
 * The labels on every object stagecraft creates (architecture.md, "Names"): it finds what it owns
 * by label, never by name pattern.
 */
export const LABEL = {
  environment: 'io.stagecraft.environment',
  project: 'io.stagecraft.project',
  service: 'io.stagecraft.service',
  release: 'io.stagecraft.release',
  role: 'io.stagecraft.role',
  type: 'io.stagecraft.type',
  specHash: 'io.stagecraft.spec-hash',
  /** On a preview's objects: the project it copies (README, "Previews"). */
  previewOf: 'io.stagecraft.preview-of',
  /** How `up` checks readiness from outside (probe.ts). */
  probe: 'io.stagecraft.probe',
  /**
   * On the proxy, which publishes every app's direct port: `shop/web=18000,blog/web=18001`. With
   * the state lost, `up` reads the ports back from here rather than move every app.
   */
  appPorts: 'io.stagecraft.app-ports',
} as const;

/**
 * Roles of containers another operation starts for a while and removes itself: an isolation probe,
 * a restore check's scratch database. `up` leaves them be.
 */
export const PROBE_ROLE = 'probe';

/** The role (and type) of the nginx in front of a RabbitMQ management UI: its service is the broker's. */
export const MANAGEMENT_GATE_ROLE = 'ui';
export const VERIFY_ROLE = 'verify';

/** The environment, project and service labels; with a role (`service`, `exporter`, `release`…) that too. */
export function labelsFor(
  spec: Spec,
  project: string,
  service: string,
  role?: string,
): Record<string, string> {
  const labels: Record<string, string> = { ...projectLabels(spec, project), [LABEL.service]: service };
  if (role) labels[LABEL.role] = role;
  return labels;
}

/** The environment and project labels of a project's networks and volumes; a preview's add what it copies. */
export function projectLabels(spec: Spec, project: string): Record<string, string> {
  const of = spec.projects.find((p) => p.name === project)?.previewOf;
  return {
    [LABEL.environment]: spec.environment,
    [LABEL.project]: project,
    ...(of ? { [LABEL.previewOf]: of } : {}),
  };
}
