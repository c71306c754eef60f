import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Artifact } from '../render/index.ts';
import { refuseLinks } from './write-artifacts.ts';

/** The certificate and key files the rendered nginx config names, relative to its folder. */
export function certificatePathsIn(artifacts: readonly Artifact[]): { cert: string; key: string }[] {
  const out = new Map<string, { cert: string; key: string }>();
  for (const a of artifacts) {
    if (!a.path.startsWith('shared/nginx/')) continue;
    for (const m of a.content.matchAll(/ssl_certificate (\S+);\n\s*ssl_certificate_key (\S+);/g))
      out.set(m[1]!, { cert: m[1]!, key: m[2]! });
  }
  return [...out.values()];
}

/** The host a rendered certificate path is for: `certs/<host>.crt` or `letsencrypt/live/<host>/fullchain.pem`. */
export function hostOfCertificatePath(cert: string): string | undefined {
  return (
    /^certs\/(.+)\.crt$/.exec(cert)?.[1] ?? /^letsencrypt\/live\/([^/]+)\/fullchain\.pem$/.exec(cert)?.[1]
  );
}

/**
 * A self-signed certificate per host the config names, made once (openssl) and kept, so the proxy
 * can start: `tls: selfsigned`'s own, and for `tls: letsencrypt` the stand-in that serves until
 * ACME has issued the real one (ops/certificates/renew.ts), in the files the real one replaces.
 */
export function ensureSelfSignedCertificates(nginxDir: string, artifacts: readonly Artifact[]): string[] {
  const made: string[] = [];
  for (const { cert, key } of certificatePathsIn(artifacts)) {
    const certPath = join(nginxDir, cert);
    // openssl would write through a planted link.
    refuseLinks(nginxDir, cert);
    refuseLinks(nginxDir, key);
    const host = hostOfCertificatePath(cert);
    if (!host || (existsSync(certPath) && existsSync(join(nginxDir, key)))) continue;
    mkdirSync(dirname(certPath), { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        // P-256 rather than RSA: made in milliseconds, not seconds, and every client takes it.
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '825',
        '-subj',
        `/CN=${host}`,
        '-addext',
        `subjectAltName=DNS:${host}`,
        '-keyout',
        join(nginxDir, key),
        '-out',
        certPath,
      ],
      { stdio: 'ignore' },
    );
    made.push(host);
  }
  return made;
}
