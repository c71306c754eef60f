import { type Directive, d } from './block.ts';

/** `snippets/proxy.conf`: what every proxied location sends and how long it waits. */
export const PROXY_SNIPPET: Directive[] = [
  d('proxy_http_version', '1.1'),
  d('proxy_set_header', 'Host', '$host'),
  d('proxy_set_header', 'X-Real-IP', '$remote_addr'),
  d('proxy_set_header', 'X-Forwarded-For', '$proxy_add_x_forwarded_for'),
  d('proxy_set_header', 'X-Forwarded-Proto', '$scheme'),
  // WebSockets (Grafana Live, app sockets): `$connection_upgrade` is mapped in nginx.conf.
  d('proxy_set_header', 'Upgrade', '$http_upgrade'),
  d('proxy_set_header', 'Connection', '$connection_upgrade'),
  // Replicas answer on a local bridge in well under a millisecond: give up fast on one that just stopped.
  d('proxy_connect_timeout', '1s'),
  d('proxy_send_timeout', '60s'),
  d('proxy_read_timeout', '60s'),
  // During a rollout a replica that just stopped is skipped rather than answered with an error.
  d('proxy_next_upstream', 'error', 'timeout', 'http_502', 'http_503'),
  d('proxy_next_upstream_tries', 3),
];

/** `snippets/security-headers.conf`: sent with every response, errors included. */
export const SECURITY_HEADERS_SNIPPET: Directive[] = [
  d('add_header', 'X-Content-Type-Options', 'nosniff', 'always'),
  d('add_header', 'X-Frame-Options', 'SAMEORIGIN', 'always'),
  d('add_header', 'Referrer-Policy', 'strict-origin-when-cross-origin', 'always'),
  d('add_header', 'Permissions-Policy', 'camera=(), microphone=(), geolocation=()', 'always'),
];

export const SNIPPET = {
  proxy: 'snippets/proxy.conf',
  securityHeaders: 'snippets/security-headers.conf',
  tls: 'snippets/tls.conf',
} as const;
