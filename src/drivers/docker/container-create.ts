import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type Docker from 'dockerode';
import {
  type Container,
  commandWords,
  LABEL,
  type Mount,
  type NetworkAttachment,
  type Stack,
  secretPath,
} from '../../model/index.ts';

/**
 * A container of the model as the Engine API creates it. Durations and sizes become the engine's
 * nanoseconds and bytes here; paths resolve against the stack's folder on this machine, and env
 * files are read there (they hold the secrets and are never logged).
 */
export interface EngineContainer {
  /** What it was made from. */
  container: Container;
  name: string;
  options: Docker.ContainerCreateOptions;
  /** Networks to join after create, with their endpoint settings. */
  networks: { name: string; endpoint: Docker.EndpointSettings }[];
  /** Of the create body: a container with another hash is made again. */
  hash: string;
}

export function engineContainers(stack: Stack, dir: string): EngineContainer[] {
  const networkNames = new Map(stack.networks.map((n) => [n.key, n.name]));
  const secretFiles = new Map(stack.secretFiles.map((s) => [s.name, s.file]));
  const path = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const networkName = (a: NetworkAttachment) => {
    const name = networkNames.get(a.network);
    if (!name) throw new Error(`the stack ${stack.name} has no network ${a.network}`);
    return name;
  };
  return stack.containers.map((c) => {
    const env = [
      ...Object.entries(c.environment ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(c.envFiles ?? []).flatMap((f) => readEnvFile(path(f))),
    ];
    const binds = [
      ...(c.mounts ?? []).map((m) => bind(m, path)),
      ...(c.secrets ?? []).flatMap((name) => {
        const file = secretFiles.get(name);
        return file ? [`${path(file)}:${secretPath(name)}:ro`] : [];
      }),
    ];
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of c.ports ?? []) {
      exposed[`${p.containerPort}/tcp`] = {};
      bindings[`${p.containerPort}/tcp`] = [{ HostIp: p.hostIp ?? '', HostPort: String(p.hostPort) }];
    }
    const hc = c.healthcheck;
    const nets = c.networks.map((a) => ({
      name: networkName(a),
      endpoint: {
        ...(a.ipv4 ? { IPAMConfig: { IPv4Address: a.ipv4 } } : {}),
        ...(a.aliases ? { Aliases: [...a.aliases] } : {}),
      },
    }));
    const [first, ...rest] = nets;
    const options: Docker.ContainerCreateOptions = {
      name: c.name,
      Image: c.image,
      Env: env,
      Labels: { ...c.labels },
      ...(c.command !== undefined ? { Cmd: commandWords(c.command) } : {}),
      ...(c.hostname ? { Hostname: c.hostname } : {}),
      ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
      ...(hc
        ? {
            Healthcheck: {
              Test: [...hc.test],
              Interval: hc.interval.toNanoseconds(),
              Timeout: hc.timeout.toNanoseconds(),
              Retries: hc.retries,
              StartPeriod: hc.startPeriod.toNanoseconds(),
            },
          }
        : {}),
      ...(c.stopGracePeriod ? { StopTimeout: c.stopGracePeriod.toSeconds() } : {}),
      HostConfig: {
        RestartPolicy: { Name: c.restart },
        Init: c.init === true,
        ...(c.resources
          ? { NanoCpus: c.resources.cpus.toNanoCpus(), Memory: c.resources.memory.toBytes() }
          : {}),
        LogConfig: {
          Type: 'json-file',
          Config: {
            'max-size': c.logging.maxSize.toDockerString(),
            'max-file': String(c.logging.maxFiles),
            labels: c.logging.labels.join(','),
          },
        },
        ...(binds.length ? { Binds: binds } : {}),
        ...(Object.keys(bindings).length ? { PortBindings: bindings } : {}),
        ...(c.extraHosts?.length ? { ExtraHosts: c.extraHosts.map((h) => `${h.name}:${h.address}`) } : {}),
        ...(c.hostPid ? { PidMode: 'host' } : {}),
        ...(c.privileged ? { Privileged: true } : {}),
        ...(c.shmSize ? { ShmSize: c.shmSize.toBytes() } : {}),
        ...(c.devices?.length
          ? {
              Devices: c.devices.map((d) => ({
                PathOnHost: d,
                PathInContainer: d,
                CgroupPermissions: 'rwm',
              })),
            }
          : {}),
        ...(first ? { NetworkMode: first.name } : {}),
      },
      ...(first ? { NetworkingConfig: { EndpointsConfig: { [first.name]: first.endpoint } } } : {}),
    };
    // The hash covers the create body and the later networks, not the hash label itself.
    const hash = createHash('sha256').update(JSON.stringify({ options, rest })).digest('hex').slice(0, 16);
    options.Labels = { ...c.labels, [LABEL.specHash]: hash };
    return { container: c, name: c.name, options, networks: rest, hash };
  });
}

function bind(m: Mount, path: (p: string) => string): string {
  const source = m.type === 'volume' ? m.volume : path(m.source);
  return `${source}:${m.target}${m.readOnly ? ':ro' : ''}`;
}

function readEnvFile(path: string): string[] {
  if (!existsSync(path)) throw new Error(`${path} is missing: secrets are written before containers start`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
}
