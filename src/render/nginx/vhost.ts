import { SHARED_PORTS, sharedAddress } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import { b, type Directive, d } from './block.ts';
import type { HostRoutes, Location } from './hosts.ts';
import { logLabels } from './log.ts';
import { SNIPPET } from './snippets.ts';
import { ACME_WEBROOT, certificatePaths, HSTS } from './tls.ts';
import { type Upstream, upstreamVariable } from './upstream.ts';

/** Where the deploy step writes the admin's htpasswd file, relative to the nginx prefix. */
export const HTPASSWD = 'htpasswd/admin';

/**
 * One proxied path. `proxy_pass` goes through a variable so the name is resolved per request
 * (`resolver` in nginx.conf): nginx starts, and keeps running, while the project is down.
 */
export function proxyLocation(
  spec: Spec,
  loc: Location,
  options: { labelled: boolean; rateLimited: boolean },
): Directive {
  const variable = upstreamVariable(loc.upstream);
  const body: Directive[] = [
    ...(options.labelled ? logLabels(loc.upstream.project, loc.upstream.service) : []),
    d('set', variable, loc.upstream.url),
    d('proxy_pass', variable),
    d('include', SNIPPET.proxy),
  ];
  if (options.rateLimited && spec.shared.proxy.rateLimit)
    body.push(d('limit_req', 'zone=perip', `burst=${spec.shared.proxy.burst}`, 'nodelay'));
  if (loc.basicAuth) body.push(d('auth_basic', 'stagecraft'), d('auth_basic_user_file', HTPASSWD));
  return b('location', [loc.path], body);
}

/** The servers of one host name: plain HTTP, or the ACME challenge and a redirect on 80 plus HTTPS on 443. */
export function hostServers(spec: Spec, host: HostRoutes): Directive[] {
  const tls = spec.shared.proxy.tls;
  const labels = logLabels(host.project, host.service);
  // The server's labels name the service when it serves the whole host; otherwise each path says whose it is.
  const labelled = host.service === '-';
  const routes = host.locations.map((l) => proxyLocation(spec, l, { labelled, rateLimited: true }));
  if (tls === 'none') {
    return [
      b(
        'server',
        [],
        [
          d('listen', SHARED_PORTS.proxy),
          d('server_name', host.host),
          ...labels,
          d('include', SNIPPET.securityHeaders),
          ...routes,
        ],
      ),
    ];
  }
  const http: Directive[] = [d('listen', SHARED_PORTS.proxy), d('server_name', host.host), ...labels];
  if (tls === 'letsencrypt')
    http.push(
      b(
        'location',
        ['/.well-known/acme-challenge/'],
        [
          d('root', ACME_WEBROOT),
          // Scanners probe this path all day; a missing file is a 404 in the access log, not an error.
          d('log_not_found', 'off'),
        ],
      ),
    );
  http.push(b('location', ['/'], [d('return', 301, 'https://$host$request_uri')]));
  const { cert, key } = certificatePaths(spec, host.host);
  const https: Directive[] = [
    // `listen … http2` rather than `http2 on`: Debian bookworm ships nginx 1.22 (newer ones only warn).
    d('listen', SHARED_PORTS.proxyTls, 'ssl', 'http2'),
    d('server_name', host.host),
    ...labels,
    d('ssl_certificate', cert),
    d('ssl_certificate_key', key),
    d('include', SNIPPET.tls),
    d('include', SNIPPET.securityHeaders),
    HSTS,
    ...routes,
  ];
  return [b('server', [], http), b('server', [], https)];
}

/**
 * The listener on an app's allocated port, which compose publishes on 127.0.0.1 only: the app is
 * reachable from the server without a Host header. Not rate limited: every caller on the server
 * reaches it from the same address (Docker's gateway), so a per-IP limit would throttle them all as one.
 * It listens on the proxy's shared-network address only, where the engine forwards the published
 * port: on the proxy's address in a project's edge network, another project's containers would
 * reach the app past its Host header, rate limit and basic auth.
 */
export function directServer(spec: Spec, port: number, upstream: Upstream): Directive {
  return b(
    'server',
    [],
    [
      d('listen', `${sharedAddress(spec, 'proxy')}:${port}`),
      ...logLabels(upstream.project, upstream.service),
      d('include', SNIPPET.securityHeaders),
      proxyLocation(spec, { path: '/', upstream, basicAuth: false }, { labelled: false, rateLimited: false }),
    ],
  );
}
