import { PROXY_DNS_VALID_S } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import { proxyLogDirectives, proxyMetricsRun } from '../proxy-metrics/index.ts';
import { b, type Directive, d, serialise } from './block.ts';
import { LOG_FORMAT, LOG_FORMAT_NAME } from './log.ts';

/** A second access log, to mtail: what the proxy-side Prometheus series are counted from. */
function metricsLog(spec: Spec): Directive[] {
  if (!proxyMetricsRun(spec)) return [];
  const { format, log } = proxyLogDirectives(spec);
  return [d('log_format', ...format), d('access_log', ...log)];
}

/** `nginx.conf`: process settings, logging, the Docker resolver, the rate-limit zone, and `conf.d/*.conf`. */
export function renderMainConf(spec: Spec): string {
  const rate = spec.shared.proxy.rateLimit;
  const http: Directive[] = [
    d('include', 'mime.types'),
    d('default_type', 'application/octet-stream'),
    d('server_tokens', 'off'),
    d('sendfile', 'on'),
    d('tcp_nopush', 'on'),
    d('keepalive_timeout', 65),
    d('client_max_body_size', '50m'),
    d('server_names_hash_bucket_size', 128),
    d('gzip', 'on'),
    d('gzip_vary', 'on'),
    d('gzip_proxied', 'any'),
    d(
      'gzip_types',
      'text/plain',
      'text/css',
      'application/json',
      'application/javascript',
      'text/xml',
      'application/xml',
      'image/svg+xml',
    ),
    // Temporary files under /tmp: nginx -t and an unprivileged container need no writable prefix.
    d('client_body_temp_path', '/tmp/nginx-client-body'),
    d('proxy_temp_path', '/tmp/nginx-proxy'),
    d('fastcgi_temp_path', '/tmp/nginx-fastcgi'),
    d('uwsgi_temp_path', '/tmp/nginx-uwsgi'),
    d('scgi_temp_path', '/tmp/nginx-scgi'),
    d('log_format', LOG_FORMAT_NAME, 'escape=json', LOG_FORMAT),
    d('access_log', '/dev/stdout', LOG_FORMAT_NAME),
    ...metricsLog(spec),
    // Upstreams are resolved per request through Docker's DNS, so a project that is down (or not
    // created yet) never stops the proxy from starting. A short cache lets a rollout move traffic
    // to new replicas quickly (`up` waits this long after starting new ones before stopping old ones).
    d('resolver', '127.0.0.11', `valid=${PROXY_DNS_VALID_S}s`, 'ipv6=off'),
    d('resolver_timeout', '3s'),
    b('map', ['$http_upgrade', '$connection_upgrade'], [d('default', 'upgrade'), d("''", 'close')]),
    ...(rate
      ? [
          d('limit_req_zone', '$binary_remote_addr', 'zone=perip:10m', `rate=${rate.toNginxRate()}`),
          d('limit_req_status', 429),
        ]
      : []),
    d('include', 'conf.d/*.conf'),
  ];
  const conf = [
    d('worker_processes', 'auto'),
    d('pid', '/tmp/nginx.pid'),
    d('error_log', 'stderr', 'warn'),
    b('events', [], [d('worker_connections', 1024)]),
    b('http', [], http),
  ];
  return `# Rendered by stagecraft: the shared proxy. Edit staging.yaml, not this file.\n${serialise(conf)}\n`;
}

/** `mime.types`, shipped with the config: the image's own copy is not at the prefix `nginx -t` uses. */
const TYPES: [string, ...string[]][] = [
  ['text/html', 'html', 'htm'],
  ['text/css', 'css'],
  ['text/plain', 'txt'],
  ['text/xml', 'xml'],
  ['application/javascript', 'js', 'mjs'],
  ['application/json', 'json'],
  ['application/wasm', 'wasm'],
  ['image/svg+xml', 'svg', 'svgz'],
  ['image/png', 'png'],
  ['image/jpeg', 'jpeg', 'jpg'],
  ['image/gif', 'gif'],
  ['image/webp', 'webp'],
  ['image/x-icon', 'ico'],
  ['font/woff', 'woff'],
  ['font/woff2', 'woff2'],
  ['application/pdf', 'pdf'],
  ['application/zip', 'zip'],
  ['application/octet-stream', 'bin'],
];

export const MIME_TYPES = `${serialise([
  b(
    'types',
    [],
    TYPES.map(([type, ...exts]) => d(type, ...exts)),
  ),
])}\n`;
