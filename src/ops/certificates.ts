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

/** Those of them stagecraft makes itself (under `certs/`; Let's Encrypt's live elsewhere). */
export function selfSignedPathsIn(artifacts: readonly Artifact[]): { cert: string; key: string }[] {
  return certificatePathsIn(artifacts).filter((c) => c.cert.startsWith('certs/'));
}

/**
 * For `tls: selfsigned`: a self-signed certificate per host, made once (openssl) and kept, so the
 * proxy can start. Let's Encrypt certificates are certbot's to make (not yet done by `up`).
 */
export function ensureSelfSignedCertificates(nginxDir: string, artifacts: readonly Artifact[]): string[] {
  const made: string[] = [];
  for (const { cert, key } of selfSignedPathsIn(artifacts)) {
    const certPath = join(nginxDir, cert);
    // openssl would write through a planted link.
    refuseLinks(nginxDir, cert);
    refuseLinks(nginxDir, key);
    if (existsSync(certPath) && existsSync(join(nginxDir, key))) continue;
    const host = cert.slice('certs/'.length).replace(/\.crt$/, '');
    mkdirSync(dirname(certPath), { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
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
