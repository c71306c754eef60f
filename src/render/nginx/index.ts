import { allRoutes, type Spec } from '../../spec/index.ts';
import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { edgeHost, SHARED_PORTS, sharedContainer } from '../topology.ts';
import { b, type Directive, d, serialise } from './block.ts';
import { MIME_TYPES, renderMainConf } from './main.ts';
import { directServer, hostServers, type Location, type Upstream } from './vhost.ts';

const HEADER = '# Rendered by stagecraft. Edit staging.yaml, not this file.\n';

/** `shared/nginx/`: the main config, a vhost file per project, the shared stack's vhosts, and snippets. */
export function renderNginx(ctx: RenderContext): Artifact[] {
  const { spec, plan } = ctx;
  const hostsOf = new Map<string, Map<string, Location[]>>();
  for (const r of allRoutes(spec)) {
    const [project, service] = r.owner.split('/') as [string, string];
    const loc: Location = { path: r.path, upstream: upstreamOf(spec, project, service) };
    if (project === 'shared' && (service === 'prometheus' || service === 'alertmanager'))
      loc.basicAuth = true;
    const hosts = hostsOf.get(project) ?? new Map<string, Location[]>();
    hostsOf.set(project, hosts);
    hosts.set(r.host, [...(hosts.get(r.host) ?? []), loc]);
  }
  const out: Artifact[] = [
    file('shared/nginx/nginx.conf', renderMainConf(spec)),
    file('shared/nginx/mime.types', MIME_TYPES),
    file('shared/nginx/snippets/proxy.conf', HEADER + serialise(PROXY)),
    file('shared/nginx/snippets/security-headers.conf', HEADER + serialise(SECURITY_HEADERS)),
    file('shared/nginx/conf.d/_shared.conf', HEADER + serialise(sharedServers(spec, hostsOf.get('shared')))),
  ];
  if (spec.shared.proxy.tls !== 'none')
    out.push(file('shared/nginx/snippets/tls.conf', HEADER + serialise(TLS)));
  for (const p of spec.projects) {
    const servers: Directive[] = [];
    for (const [host, locations] of [...(hostsOf.get(p.name) ?? new Map<string, Location[]>())].sort(
      ([a], [c]) => a.localeCompare(c),
    )) {
      servers.push(...hostServers(spec, host, sortLocations(locations)));
    }
    for (const s of p.services) {
      const port = plan.allocations[p.name]?.ports[s.name];
      if (s.type === 'app' && port) servers.push(directServer(spec, port, upstreamOf(spec, p.name, s.name)));
    }
    out.push(file(`shared/nginx/conf.d/${p.name}.conf`, `${HEADER}${serialise(servers)}\n`));
  }
  return out;
}

function upstreamOf(spec: Spec, project: string, service: string): Upstream {
  if (project === 'shared') {
    const port = SHARED_PORTS[service as 'grafana' | 'prometheus' | 'alertmanager'];
    return { project, service, url: `http://${sharedContainer(service as 'grafana')}:${port}` };
  }
  const s = spec.projects.find((p) => p.name === project)?.services.find((x) => x.name === service);
  const port = s?.type === 'app' ? s.port : 15672; // a RabbitMQ management UI
  return { project, service, url: `http://${edgeHost(project, service)}:${port}` };
}

/** Longest path first, so a reader sees the order nginx matches prefixes in. */
function sortLocations(locations: Location[]): Location[] {
  return [...locations].sort((a, c) => c.path.length - a.path.length || a.path.localeCompare(c.path));
}

function sharedServers(spec: Spec, hosts: Map<string, Location[]> | undefined): Directive[] {
  const servers: Directive[] = [
    // Requests for unknown hosts are dropped, not sent to whichever project sorts first.
    b(
      'server',
      [],
      [
        d('listen', 80, 'default_server'),
        d('set', '$stagecraft_project', '-'),
        d('set', '$stagecraft_service', '-'),
        d('return', 444),
      ],
    ),
  ];
  if (spec.shared.proxy.tls !== 'none') {
    servers.push(
      b('server', [], [d('listen', 443, 'ssl', 'default_server'), d('ssl_reject_handshake', 'on')]),
    );
  }
  // stub_status for the local exporter only.
  servers.push(
    b(
      'server',
      [],
      [
        d('listen', SHARED_PORTS.proxyStatus),
        d('set', '$stagecraft_project', 'shared'),
        d('set', '$stagecraft_service', 'proxy'),
        d('access_log', 'off'),
        b(
          'location',
          ['=', '/nginx_status'],
          [
            d('stub_status'),
            d('allow', '127.0.0.1'),
            d('allow', spec.network.shared.toString()),
            d('deny', 'all'),
          ],
        ),
        b('location', ['/'], [d('return', 404)]),
      ],
    ),
  );
  for (const [host, locations] of [...(hosts ?? new Map<string, Location[]>())].sort(([a], [c]) =>
    a.localeCompare(c),
  )) {
    servers.push(...hostServers(spec, host, locations));
  }
  return servers;
}

const PROXY: Directive[] = [
  d('proxy_http_version', '1.1'),
  d('proxy_set_header', 'Host', '$host'),
  d('proxy_set_header', 'X-Real-IP', '$remote_addr'),
  d('proxy_set_header', 'X-Forwarded-For', '$proxy_add_x_forwarded_for'),
  d('proxy_set_header', 'X-Forwarded-Proto', '$scheme'),
  d('proxy_set_header', 'Upgrade', '$http_upgrade'),
  d('proxy_set_header', 'Connection', '$connection_upgrade'),
  d('proxy_connect_timeout', '2s'),
  d('proxy_send_timeout', '60s'),
  d('proxy_read_timeout', '60s'),
  // During a rollout a replica that just stopped is skipped rather than answered with an error.
  d('proxy_next_upstream', 'error', 'timeout', 'http_502', 'http_503'),
  d('proxy_next_upstream_tries', 3),
];

const SECURITY_HEADERS: Directive[] = [
  d('add_header', 'X-Content-Type-Options', 'nosniff', 'always'),
  d('add_header', 'X-Frame-Options', 'SAMEORIGIN', 'always'),
  d('add_header', 'Referrer-Policy', 'strict-origin-when-cross-origin', 'always'),
  d('add_header', 'Permissions-Policy', 'camera=(), microphone=(), geolocation=()', 'always'),
];

/** Mozilla's intermediate profile. */
const TLS: Directive[] = [
  d('ssl_protocols', 'TLSv1.2', 'TLSv1.3'),
  d(
    'ssl_ciphers',
    'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384',
  ),
  d('ssl_prefer_server_ciphers', 'off'),
  d('ssl_session_cache', 'shared:SSL:10m'),
  d('ssl_session_timeout', '1d'),
  d('ssl_session_tickets', 'off'),
];
