/**
 * `model`: what render and the drivers share, below both: labels, object names, well-known ports,
 * the readiness probe, and the typed containers, networks and volumes a renderer decides on and a
 * driver creates. It imports only `spec`, does no I/O and knows no file format.
 */
export { commandWords } from './command.ts';
export type {
  Command,
  Container,
  Dependency,
  Healthcheck,
  HostEntry,
  LogRotation,
  Mount,
  Network,
  NetworkAttachment,
  OneOffKind,
  PublishedPort,
  RestartPolicy,
  SecretFile,
  Stack,
  Volume,
} from './container.ts';
export { LABEL, labelsFor, MANAGEMENT_GATE_ROLE, PROBE_ROLE, projectLabels, VERIFY_ROLE } from './labels.ts';
export {
  containerName,
  edgeHost,
  edgeNetwork,
  internalNetwork,
  metricsNetwork,
  SHARED,
  SHARED_NETWORK,
  type SharedComponent,
  secretPath,
  sharedAddress,
  sharedContainer,
  sharedVolume,
  volumeName,
} from './names.ts';
export {
  CONTROL_PLANE_PORT,
  CONTROL_PLANE_SOCKET,
  PROXY_DNS_VALID_S,
  SERVICE_PORTS,
  SHARED_PORTS,
} from './ports.ts';
export { parseProbe, probeLabel, type ReadinessProbe } from './probe.ts';
export { verifySchedule } from './verify-schedule.ts';
