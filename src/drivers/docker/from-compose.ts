import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type Docker from 'dockerode';
import type { ComposeDoc } from '../../render/compose/project.ts';
import { LABEL } from '../../render/index.ts';

/**
 * Turns a service of a rendered compose document into Engine API create options, so `up`
 * converges exactly what the compose files say. Relative paths resolve against the folder the
 * compose file lives in; `env_file`s are read there (they hold the secrets and are never logged).
 */
export interface ContainerSpec {
  name: string;
  key: string;
  options: Docker.ContainerCreateOptions;
  /** Networks to join after create, with their endpoint settings. */
  networks: { name: string; endpoint: Docker.EndpointSettings }[];
  hash: string;
  labels: Record<string, string>;
  dependsOn: string[];
  profiles: string[];
  hasHealthcheck: boolean;
}

const GO_DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

export function goDurationToNs(text: string): number {
  const m = GO_DURATION.exec(text);
  if (!m) throw new Error(`bad duration ${text}`);
  const [h, mi, s, ms] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
  return (((h * 60 + mi) * 60 + s) * 1000 + ms) * 1e6;
}

export function dockerSizeToBytes(text: string): number {
  const m = /^(\d+)([bkmg]?)$/.exec(text);
  if (!m) throw new Error(`bad size ${text}`);
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2] as '' | 'b' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

/** Compose turns `$$` into `$`; the engine must see what compose would have passed. */
const composeUnescape = (s: string) => s.replace(/\$\$/g, '$');

function words(command: unknown): string[] | undefined {
  if (command === undefined) return undefined;
  if (Array.isArray(command)) return command.map((c) => composeUnescape(String(c)));
  return (String(command).match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) =>
    composeUnescape(w.replace(/^["']|["']$/g, '')),
  );
}

function readEnvFile(path: string): string[] {
  if (!existsSync(path)) throw new Error(`${path} is missing: secrets are written before containers start`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
}

export function containerSpecs(doc: ComposeDoc, dir: string): ContainerSpec[] {
  const networkName = (key: string) => String(doc.networks[key]?.name ?? key);
  const path = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  return Object.entries(doc.services).map(([key, svc]) => {
    const s = svc as Record<string, unknown>;
    const labels = { ...(s.labels as Record<string, string>) };
    const env = [
      ...Object.entries((s.environment as Record<string, string>) ?? {}).map(
        ([k, v]) => `${k}=${composeUnescape(String(v))}`,
      ),
      ...((s.env_file as string[] | undefined) ?? []).flatMap((f) => readEnvFile(path(f))),
    ];
    const binds = ((s.volumes as string[] | undefined) ?? []).map((v) => {
      const [src, ...rest] = v.split(':');
      const local = src!.startsWith('.') || src!.startsWith('/');
      return [local ? path(src!) : src, ...rest].join(':');
    });
    for (const secret of (s.secrets as string[] | undefined) ?? []) {
      const file = doc.secrets?.[secret]?.file;
      if (file) binds.push(`${path(file)}:/run/secrets/${secret}:ro`);
    }
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of (s.ports as string[] | undefined) ?? []) {
      const parts = p.split(':');
      const [ip, host, container] = parts.length === 3 ? parts : ['', parts[0]!, parts[1]!];
      exposed[`${container}/tcp`] = {};
      bindings[`${container}/tcp`] = [{ HostIp: ip!, HostPort: host! }];
    }
    const hc = s.healthcheck as
      | { test: string[]; interval: string; timeout: string; retries: number; start_period: string }
      | undefined;
    const logging = s.logging as { driver: string; options: Record<string, string> };
    const nets = Object.entries(
      (s.networks as Record<string, { ipv4_address?: string; aliases?: string[] }>) ?? {},
    ).map(([k, n]) => ({
      name: networkName(k),
      endpoint: {
        ...(n?.ipv4_address ? { IPAMConfig: { IPv4Address: n.ipv4_address } } : {}),
        ...(n?.aliases ? { Aliases: n.aliases } : {}),
      } as Docker.EndpointSettings,
    }));
    const [first, ...rest] = nets;
    const options: Docker.ContainerCreateOptions = {
      name: String(s.container_name ?? key),
      Image: String(s.image),
      Env: env,
      Labels: labels,
      ...(words(s.command) ? { Cmd: words(s.command) } : {}),
      ...(s.hostname ? { Hostname: String(s.hostname) } : {}),
      ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
      ...(hc
        ? {
            Healthcheck: {
              Test: hc.test.map(composeUnescape),
              Interval: goDurationToNs(hc.interval),
              Timeout: goDurationToNs(hc.timeout),
              Retries: hc.retries,
              StartPeriod: goDurationToNs(hc.start_period),
            },
          }
        : {}),
      ...(s.stop_grace_period ? { StopTimeout: goDurationToNs(String(s.stop_grace_period)) / 1e9 } : {}),
      HostConfig: {
        RestartPolicy: { Name: s.restart === 'no' ? 'no' : String(s.restart ?? 'no') },
        Init: s.init === true,
        ...(s.cpus ? { NanoCpus: Math.round(Number(s.cpus) * 1e9) } : {}),
        ...(s.mem_limit ? { Memory: dockerSizeToBytes(String(s.mem_limit)) } : {}),
        ...(logging ? { LogConfig: { Type: logging.driver, Config: logging.options } } : {}),
        ...(binds.length ? { Binds: binds } : {}),
        ...(Object.keys(bindings).length ? { PortBindings: bindings } : {}),
        ...(s.extra_hosts ? { ExtraHosts: s.extra_hosts as string[] } : {}),
        ...(s.pid ? { PidMode: String(s.pid) } : {}),
        ...(s.privileged ? { Privileged: true } : {}),
        ...(s.shm_size ? { ShmSize: dockerSizeToBytes(String(s.shm_size)) } : {}),
        ...(s.devices
          ? {
              Devices: (s.devices as string[]).map((d) => ({
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
    const hash = createHash('sha256').update(JSON.stringify({ options, rest })).digest('hex').slice(0, 16);
    options.Labels = { ...labels, [LABEL.specHash]: hash };
    const dependsOn = s.depends_on
      ? Array.isArray(s.depends_on)
        ? (s.depends_on as string[])
        : Object.keys(s.depends_on as object)
      : [];
    return {
      name: options.name!,
      key,
      options,
      networks: rest,
      hash,
      labels,
      dependsOn,
      profiles: (s.profiles as string[]) ?? [],
      hasHealthcheck: !!hc,
    };
  });
}
