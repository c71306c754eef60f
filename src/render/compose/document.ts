import type { Container, Dependency, Healthcheck, Mount, Network, Stack } from '../../model/index.ts';

/**
 * A stack as a compose document: plain data for `toYaml`. A container's keys come in the order
 * its model's fields were set, so each file reads as it always has. Compose fills in `$VAR`,
 * so every `$` of a command, an environment value or a healthcheck is written `$$`.
 */
export function composeDocument(stack: Stack): Record<string, unknown> {
  return {
    services: Object.fromEntries(stack.containers.map((c) => [c.key, composeService(c)])),
    networks: Object.fromEntries(stack.networks.map((n) => [n.key, composeNetwork(n)])),
    ...(stack.volumes.length
      ? {
          volumes: Object.fromEntries(stack.volumes.map((v) => [v.name, { name: v.name, labels: v.labels }])),
        }
      : {}),
    ...(stack.secretFiles.length
      ? { secrets: Object.fromEntries(stack.secretFiles.map((s) => [s.name, { file: s.file }])) }
      : {}),
    // No top-level `name`: docker-compose 1.x refuses it, and the folder's name is the default.
  };
  function composeNetwork(n: Network): Record<string, unknown> {
    return {
      name: n.name,
      ...(n.external ? { external: true } : {}),
      ...(n.driver ? { driver: n.driver } : {}),
      ...(n.internal ? { internal: true } : {}),
      ...(n.labels ? { labels: n.labels } : {}),
      ...(n.subnet
        ? { ipam: { config: [{ subnet: n.subnet, ...(n.ipRange ? { ip_range: n.ipRange } : {}) }] } }
        : {}),
    };
  }
  function composeService(c: Container): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of Object.keys(c) as (keyof Container)[]) Object.assign(out, composeField(c, field));
    return out;
  }
  function composeField(c: Container, field: keyof Container): Record<string, unknown> {
    switch (field) {
      case 'key':
        return {};
      case 'name':
        return { container_name: c.name };
      case 'image':
        return { image: c.image };
      case 'build':
        return c.build ? { build: c.build } : {};
      case 'command':
        return c.command === undefined
          ? {}
          : {
              command:
                typeof c.command === 'string' ? escapeDollars(c.command) : c.command.map(escapeDollars),
            };
      case 'restart':
        return { restart: c.restart };
      case 'oneOff':
        return c.oneOff ? { profiles: [c.oneOff] } : {};
      case 'init':
        return c.init ? { init: true } : {};
      case 'labels':
        return { labels: c.labels };
      case 'logging':
        return {
          logging: {
            driver: 'json-file',
            options: {
              'max-size': c.logging.maxSize.toDockerString(),
              'max-file': String(c.logging.maxFiles),
              labels: c.logging.labels.join(','),
            },
          },
        };
      case 'resources':
        return c.resources
          ? { cpus: c.resources.cpus.toCores(), mem_limit: c.resources.memory.toDockerString() }
          : {};
      case 'environment':
        return nonEmpty(Object.entries(c.environment ?? {}))
          ? {
              environment: Object.fromEntries(
                Object.entries(c.environment ?? {}).map(([k, v]) => [k, escapeDollars(v)]),
              ),
            }
          : {};
      case 'envFiles':
        return nonEmpty(c.envFiles) ? { env_file: c.envFiles } : {};
      case 'networks':
        return {
          networks: Object.fromEntries(
            c.networks.map((a) => [
              a.network,
              { ...(a.ipv4 ? { ipv4_address: a.ipv4 } : {}), ...(a.aliases ? { aliases: a.aliases } : {}) },
            ]),
          ),
        };
      case 'ports':
        return nonEmpty(c.ports)
          ? {
              ports: c.ports.map((p) =>
                [...(p.hostIp ? [p.hostIp] : []), p.hostPort, p.containerPort].join(':'),
              ),
            }
          : {};
      case 'hostname':
        return c.hostname ? { hostname: c.hostname } : {};
      case 'healthcheck':
        return c.healthcheck ? { healthcheck: composeHealthcheck(c.healthcheck) } : {};
      case 'stopGracePeriod':
        return c.stopGracePeriod ? { stop_grace_period: c.stopGracePeriod.toGoDuration() } : {};
      case 'shmSize':
        return c.shmSize ? { shm_size: c.shmSize.toDockerString() } : {};
      case 'mounts':
        return nonEmpty(c.mounts) ? { volumes: c.mounts.map(composeMount) } : {};
      case 'secrets':
        return nonEmpty(c.secrets) ? { secrets: c.secrets } : {};
      case 'extraHosts':
        return nonEmpty(c.extraHosts)
          ? { extra_hosts: c.extraHosts.map((h) => `${h.name}:${h.address}`) }
          : {};
      case 'hostPid':
        return c.hostPid ? { pid: 'host' } : {};
      case 'devices':
        return nonEmpty(c.devices) ? { devices: c.devices } : {};
      case 'privileged':
        return c.privileged ? { privileged: true } : {};
      case 'dependsOn':
        return nonEmpty(c.dependsOn) ? { depends_on: composeDependencies(c.dependsOn) } : {};
    }
  }
}

/** Every dependency only started: the short form, a list; otherwise each with its condition. */
function composeDependencies(deps: readonly Dependency[]): unknown {
  return deps.every((d) => d.condition === 'started')
    ? deps.map((d) => d.key)
    : Object.fromEntries(deps.map((d) => [d.key, { condition: `service_${d.condition}` }]));
}

function composeHealthcheck(h: Healthcheck): Record<string, unknown> {
  return {
    test: h.test.map(escapeDollars),
    interval: h.interval.toGoDuration(),
    timeout: h.timeout.toGoDuration(),
    retries: h.retries,
    start_period: h.startPeriod.toGoDuration(),
  };
}

function composeMount(m: Mount): string {
  const source = m.type === 'volume' ? m.volume : m.source;
  return `${source}:${m.target}${m.readOnly ? ':ro' : ''}`;
}

/** Compose interpolates `$`; `$$` passes one through to the container. */
const escapeDollars = (s: string) => s.replace(/\$/g, '$$$$');

function nonEmpty<T>(list: readonly T[] | undefined): list is readonly T[] {
  return !!list && list.length > 0;
}
