import type { Spec } from '../../spec/index.ts';
import { b, type Directive, d } from './block.ts';

export interface Upstream {
  project: string;
  service: string;
  /** `http://shop-web:8000`: resolved at request time. */
  url: string;
}

export interface Location {
  path: string;
  upstream: Upstream;
  /** Prometheus and Alertmanager have no login of their own. */
  basicAuth?: boolean;
}

const variableFor = (u: Upstream) => `$upstream_${u.project}_${u.service}`.replace(/-/g, '_');

export function proxyLocation(spec: Spec, loc: Location): Directive {
  const body: Directive[] = [
    d('set', '$stagecraft_project', loc.upstream.project),
    d('set', '$stagecraft_service', loc.upstream.service),
    d('set', variableFor(loc.upstream), loc.upstream.url),
    d('proxy_pass', variableFor(loc.upstream)),
    d('include', 'snippets/proxy.conf'),
  ];
  if (spec.shared.proxy.rateLimit)
    body.push(d('limit_req', 'zone=perip', `burst=${spec.shared.proxy.burst}`, 'nodelay'));
  if (loc.basicAuth) body.push(d('auth_basic', 'stagecraft'), d('auth_basic_user_file', 'htpasswd/admin'));
  return b('location', [loc.path], body);
}

export function certificatePaths(spec: Spec, host: string): { cert: string; key: string } {
  return spec.shared.proxy.tls === 'letsencrypt'
    ? { cert: `letsencrypt/live/${host}/fullchain.pem`, key: `letsencrypt/live/${host}/privkey.pem` }
    : { cert: `certs/${host}.crt`, key: `certs/${host}.key` };
}

/** The servers for one host name: HTTP (or its redirect and ACME challenge) and HTTPS. */
export function hostServers(spec: Spec, host: string, locations: Location[]): Directive[] {
  const tls = spec.shared.proxy.tls;
  const routes = locations.map((l) => proxyLocation(spec, l));
  if (tls === 'none') {
    return [
      b(
        'server',
        [],
        [d('listen', 80), d('server_name', host), d('include', 'snippets/security-headers.conf'), ...routes],
      ),
    ];
  }
  const http: Directive[] = [d('listen', 80), d('server_name', host)];
  if (tls === 'letsencrypt')
    http.push(b('location', ['/.well-known/acme-challenge/'], [d('root', '/var/www/acme')]));
  http.push(b('location', ['/'], [d('return', 301, 'https://$host$request_uri')]));
  const { cert, key } = certificatePaths(spec, host);
  const https: Directive[] = [
    // `listen … http2` rather than `http2 on`: Debian bookworm ships nginx 1.22.
    d('listen', 443, 'ssl', 'http2'),
    d('server_name', host),
    d('ssl_certificate', cert),
    d('ssl_certificate_key', key),
    d('include', 'snippets/tls.conf'),
    d('include', 'snippets/security-headers.conf'),
    d('add_header', 'Strict-Transport-Security', 'max-age=31536000', 'always'),
    ...routes,
  ];
  return [b('server', [], http), b('server', [], https)];
}

/** A direct listener on the app's allocated port: reachable without a Host header. */
export function directServer(spec: Spec, port: number, upstream: Upstream): Directive {
  return b(
    'server',
    [],
    [
      d('listen', port),
      d('include', 'snippets/security-headers.conf'),
      proxyLocation(spec, { path: '/', upstream }),
    ],
  );
}
