import { SHARED } from '../../model/index.ts';
import type { Artifact } from '../artifact.ts';
import { file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { type Directive, serialise } from './block.ts';
import { hostRoutes } from './hosts.ts';
import { MIME_TYPES, renderMainConf } from './main.ts';
import { controlPlaneServer, defaultServers, statusServer } from './shared.ts';
import { PROXY_SNIPPET, SECURITY_HEADERS_SNIPPET, SNIPPET } from './snippets.ts';
import { TLS_SNIPPET } from './tls.ts';
import { upstreamOf } from './upstream.ts';
import { directServer, hostServers } from './vhost.ts';

export { HTPASSWD } from './vhost.ts';

const HEADER = '# Rendered by stagecraft. Edit staging.yaml, not this file.\n';
const conf = (servers: readonly Directive[]) => `${HEADER}${serialise(servers)}\n`;

/**
 * `shared/nginx/`: `nginx.conf`, `mime.types`, the snippets, `conf.d/_shared.conf` (default servers,
 * the status page, the shared stack's pages) and `conf.d/<project>.conf` (its hosts and the direct
 * listeners of its apps). A host that several projects serve lives in the file of the project
 * that serves its most general path.
 */
export function renderNginx(ctx: RenderContext): Artifact[] {
  const { spec, plan } = ctx;
  const hosts = hostRoutes(spec);
  const serversOf = (project: string) =>
    hosts.filter((h) => h.project === project).flatMap((h) => hostServers(spec, h));
  const out: Artifact[] = [
    file('shared/nginx/nginx.conf', renderMainConf(spec)),
    file('shared/nginx/mime.types', MIME_TYPES),
    file(`shared/nginx/${SNIPPET.proxy}`, conf(PROXY_SNIPPET)),
    file(`shared/nginx/${SNIPPET.securityHeaders}`, conf(SECURITY_HEADERS_SNIPPET)),
  ];
  if (spec.shared.proxy.tls !== 'none') out.push(file(`shared/nginx/${SNIPPET.tls}`, conf(TLS_SNIPPET)));
  out.push(
    file(
      'shared/nginx/conf.d/_shared.conf',
      conf([...defaultServers(spec), statusServer(spec), ...controlPlaneServer(spec), ...serversOf(SHARED)]),
    ),
  );
  for (const p of spec.projects) {
    const direct = p.services.flatMap((s) => {
      const port = plan.allocations[p.name]?.ports[s.name];
      return s.type === 'app' && port ? [directServer(spec, port, upstreamOf(spec, p.name, s.name))] : [];
    });
    out.push(file(`shared/nginx/conf.d/${p.name}.conf`, conf([...serversOf(p.name), ...direct])));
  }
  return out;
}
