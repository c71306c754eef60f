import type { Spec } from '../../spec/index.ts';
import { type Directive, d } from './block.ts';

/**
 * Certificate files of one host, relative to the nginx prefix (`/etc/nginx/` in the container,
 * `-p DIR/shared/nginx/` for `nginx -t`). ACME certificates (and their self-signed stand-ins) live
 * under `letsencrypt/live/<host>/`, where `up` and `serve` install them.
 */
export function certificatePaths(spec: Spec, host: string): { cert: string; key: string } {
  return spec.shared.proxy.tls === 'letsencrypt'
    ? { cert: `letsencrypt/live/${host}/fullchain.pem`, key: `letsencrypt/live/${host}/privkey.pem` }
    : { cert: `certs/${host}.crt`, key: `certs/${host}.key` };
}

/** Webroot that the ACME http-01 challenge files are served from, on port 80 for every host. */
export const ACME_WEBROOT = '/var/www/acme';

/** `snippets/tls.conf`: Mozilla's intermediate profile (TLS 1.2 and 1.3). */
export const TLS_SNIPPET: Directive[] = [
  d('ssl_protocols', 'TLSv1.2', 'TLSv1.3'),
  d(
    'ssl_ciphers',
    [
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-RSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
      'ECDHE-RSA-CHACHA20-POLY1305',
      'DHE-RSA-AES128-GCM-SHA256',
      'DHE-RSA-AES256-GCM-SHA384',
    ].join(':'),
  ),
  d('ssl_prefer_server_ciphers', 'off'),
  d('ssl_session_cache', 'shared:SSL:10m'),
  d('ssl_session_timeout', '1d'),
  d('ssl_session_tickets', 'off'),
];

/** Sent only over TLS: a browser that saw it would refuse plain HTTP for a year. */
export const HSTS = d('add_header', 'Strict-Transport-Security', 'max-age=31536000', 'always');
