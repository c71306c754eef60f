import { secretPath } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import { type Artifact, file } from '../artifact.ts';
import { toYaml } from '../yaml.ts';

/**
 * `shared.registryMirror`: the CNCF distribution registry (Debian's `docker-registry`, or the
 * official `registry:2`) as a pull-through cache of one upstream (`proxy.remoteurl`). Its config
 * holds no secret: upstream credentials, when `server.registries` has the upstream's host, reach
 * it as environment variables that its command reads from the secret file at start.
 */

export const REGISTRY_PORT = 5000;
export const REGISTRY_DATA = '/var/lib/registry';
const CONFIG = '/etc/docker/registry/config.yml';

/** The `server.registries` entry for the mirror's upstream (Docker Hub's under `docker.io` too). */
export function upstreamCredentials(spec: Spec): { username: string; secret: string } | undefined {
  const mirror = spec.shared.registryMirror;
  if (!mirror) return undefined;
  const host = new URL(mirror.upstream).host;
  const entry =
    spec.server.registries[host] ??
    (host === 'registry-1.docker.io' ? spec.server.registries['docker.io'] : undefined);
  return entry ? { username: entry.username, secret: entry.password.secret } : undefined;
}

export function renderRegistryMirror(spec: Spec): Artifact[] {
  const mirror = spec.shared.registryMirror;
  if (!mirror) return [];
  const config = {
    version: 0.1,
    log: { level: 'info', formatter: 'text' },
    storage: {
      filesystem: { rootdirectory: REGISTRY_DATA },
      // The proxy's scheduler removes cached blobs after their TTL (7 days), which needs delete.
      delete: { enabled: true },
      cache: { blobdescriptor: 'inmemory' },
    },
    http: { addr: `0.0.0.0:${REGISTRY_PORT}`, headers: { 'X-Content-Type-Options': ['nosniff'] } },
    health: { storagedriver: { enabled: true, interval: '10s', threshold: 3 } },
    proxy: { remoteurl: mirror.upstream },
  };
  const header = '# Rendered by stagecraft: the registry mirror. Edit staging.yaml, not this file.\n';
  return [file('shared/registry/config.yml', header + toYaml(config))];
}

/** The container's command: the registry, with the upstream's password read from its secret file when there is one. */
export function registryCommand(spec: Spec): string[] {
  const credentials = upstreamCredentials(spec);
  if (!credentials) return ['registry', 'serve', CONFIG];
  return [
    'sh',
    '-c',
    `REGISTRY_PROXY_PASSWORD="$(cat ${secretPath(credentials.secret)})" exec registry serve ${CONFIG}`,
  ];
}
