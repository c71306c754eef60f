/**
 * Image references as the engine reads them (`[host[:port]/]path[:tag][@digest]`): which registry
 * a reference pulls from, its name under a mirror, and the tag of a built image.
 */
export interface ImageRef {
  /** `docker.io` when the reference names no registry. */
  registry: string;
  /** The path in the registry; Docker Hub's official images are `library/NAME`. */
  repository: string;
  /** Undefined when the reference has none (the engine then means `latest`). */
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';

export function parseImageRef(ref: string): ImageRef {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  // The first component is a registry when it looks like a host: a dot, a port, or localhost.
  const hasRegistry = slash >= 0 && (/[.:]/.test(first) || first === 'localhost');
  const registry = hasRegistry ? first : DOCKER_HUB;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The reference without its tag or digest, as the engine lists a repository. */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  const bare = at >= 0 ? ref.slice(0, at) : ref;
  const colon = bare.lastIndexOf(':');
  return colon > bare.lastIndexOf('/') ? bare.slice(0, colon) : bare;
}

/**
 * An official image under a mirror prefix: Docker Hub's by their full path (`postgres:15` →
 * `PREFIX/library/postgres:15`, as a pull-through cache of the Hub serves them), other registries'
 * with their host in front (`quay.io/x/y` → `PREFIX/quay.io/x/y`).
 */
export function underMirror(prefix: string, ref: string): string {
  const r = parseImageRef(ref);
  const path = r.registry === DOCKER_HUB ? r.repository : `${r.registry}/${r.repository}`;
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return `${base}${path}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The tag a `build:` service runs: `<project>-<service>:<hash of its context and build args>`. */
export function buildTag(project: string, service: string, contentHash: string): string {
  return `${project}-${service}:${contentHash.slice(0, 12)}`;
}
