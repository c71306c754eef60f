import type { Duration, Resources, Size } from '../spec/index.ts';

/**
 * The containers, networks and volumes a renderer decides on and a driver creates: one model,
 * several renderings (the compose YAML, the Engine API create body, Kubernetes objects). Values
 * keep the spec's types (Duration, Size, Cpus) until the rendering that needs a wire form.
 *
 * Strings are what the container gets: a `$` in a command or an environment value is a `$`
 * (the compose rendering writes it as `$$`, so compose passes it on unchanged).
 */

/** One compose file's worth: the shared stack, or one project's. */
export interface Stack {
  /** `shared`, or the project's name. */
  name: string;
  containers: readonly Container[];
  networks: readonly Network[];
  volumes: readonly Volume[];
  /** Secret files the stack's containers are given (`Container.secrets`), in the order first given. */
  secretFiles: readonly SecretFile[];
}

/**
 * A command as the spec gives it: its words, or one line the engine splits into words at spaces
 * (quotes group words; see `commandWords`).
 */
export type Command = readonly string[] | string;

/** Started on demand, never kept running: before a rollout, by the backup schedule, by cron. */
export type OneOffKind = 'release' | 'backup' | 'cron';

export type RestartPolicy = 'no' | 'unless-stopped';

/**
 * A container. The order of the optional fields as a renderer sets them is the order the compose
 * rendering writes their keys in, so the files read as they always have.
 */
export interface Container {
  /** Its handle within its stack (`web-1`, `db-exporter`, `proxy`); other containers' `dependsOn` name it. */
  key: string;
  /** Its name on the engine: `shop-web-1`, `shared-proxy`. */
  name: string;
  image: string;
  /** Built from the spec's context by `render --with-secrets` users running compose; `up` builds images itself. */
  build?: { context: string; dockerfile: string; args: Readonly<Record<string, string>> };
  command?: Command;
  restart: RestartPolicy;
  oneOff?: OneOffKind;
  /** An init process as PID 1 that reaps zombies and forwards signals. */
  init?: boolean;
  labels: Readonly<Record<string, string>>;
  logging: LogRotation;
  resources?: Resources;
  /** Plain values only; secret values come from `envFiles`. */
  environment?: Readonly<Record<string, string>>;
  /** `KEY=value` files, relative to the stack's folder, written by `up` with mode 0600. */
  envFiles?: readonly string[];
  networks: readonly NetworkAttachment[];
  ports?: readonly PublishedPort[];
  hostname?: string;
  healthcheck?: Healthcheck;
  stopGracePeriod?: Duration;
  shmSize?: Size;
  mounts?: readonly Mount[];
  /** Secret files of the stack, each at `secretPath(name)` inside. */
  secrets?: readonly string[];
  extraHosts?: readonly HostEntry[];
  /** Shares the host's process namespace (node-exporter sees the host's processes). */
  hostPid?: boolean;
  /** Host devices passed through, at the same path. */
  devices?: readonly string[];
  privileged?: boolean;
  dependsOn?: readonly Dependency[];
}

/** The engine's json-file log driver, rotated. */
export interface LogRotation {
  maxSize: Size;
  maxFiles: number;
  /** Labels copied into each log entry. */
  labels: readonly string[];
}

export interface NetworkAttachment {
  /** The network's key in the stack (`Network.key`). */
  network: string;
  ipv4?: string;
  aliases?: readonly string[];
}

export interface PublishedPort {
  /** The host address it listens on; all of the host's when absent. */
  hostIp?: string;
  hostPort: number;
  containerPort: number;
}

export type Mount =
  | { type: 'volume'; volume: string; target: string; readOnly?: boolean }
  /** `source`: an absolute path, or one starting with `./`, relative to the stack's folder. */
  | { type: 'bind'; source: string; target: string; readOnly?: boolean };

export interface Healthcheck {
  /** `['CMD-SHELL', line]` or `['CMD', ...words]`. */
  test: readonly string[];
  interval: Duration;
  timeout: Duration;
  retries: number;
  startPeriod: Duration;
}

export interface HostEntry {
  name: string;
  /** An address, or `host-gateway` (the host as containers reach it). */
  address: string;
}

/** Start after `key`: once it started, or once its healthcheck passes. */
export interface Dependency {
  key: string;
  condition: 'started' | 'healthy';
}

export interface Network {
  /** Its handle within its stack (`internal`, `edge`, `monitoring`); attachments name it. */
  key: string;
  /** Its name on the engine. */
  name: string;
  /** Made by another stack (a project's edge network, by the shared stack): only joined here. */
  external?: boolean;
  /** A bridge named explicitly, where the default would do, to say it is not internal. */
  driver?: 'bridge';
  /** No route out of the network. */
  internal?: boolean;
  labels?: Readonly<Record<string, string>>;
  subnet?: string;
  /** The part of the subnet the engine assigns addresses from itself. */
  ipRange?: string;
}

export interface Volume {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface SecretFile {
  name: string;
  /** Relative to the stack's folder. */
  file: string;
}
