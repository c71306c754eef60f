import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifact } from '../../render/index.ts';
import { certificatePathsIn, hostOfCertificatePath } from '../certificates.ts';

/** `serve` and `certs renew` renew a certificate this long before it expires (as certbot does). */
export const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** One certificate the rendered proxy config names, as it is on disk now. */
export interface InstalledCertificate {
  /** The host name the proxy serves it for. */
  host: string;
  /** The certificate (chain) and key files, relative to the nginx folder. */
  cert: string;
  key: string;
  /** Absent while the file is not there yet. */
  x509?: {
    /** The DNS names it covers. */
    names: string[];
    /** The issuer's common name (or its whole name when it has none). */
    issuer: string;
    notAfter: Date;
    serial: string;
    /** Self-signed: the stand-in the proxy starts on (or `tls: selfsigned`'s own). */
    selfSigned: boolean;
  };
}

/** Every certificate the rendered nginx config names, read from under `nginxDir` (the layout's `shared/nginx`). */
export function installedCertificates(
  nginxDir: string,
  artifacts: readonly Artifact[],
): InstalledCertificate[] {
  const out: InstalledCertificate[] = [];
  for (const { cert, key } of certificatePathsIn(artifacts)) {
    const host = hostOfCertificatePath(cert);
    if (host) out.push(readInstalled(nginxDir, { host, cert, key }));
  }
  return out.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}

/** One of them as its files are now. */
export function readInstalled(nginxDir: string, c: Omit<InstalledCertificate, 'x509'>): InstalledCertificate {
  const path = join(nginxDir, c.cert);
  return {
    host: c.host,
    cert: c.cert,
    key: c.key,
    ...(existsSync(path) ? { x509: describe(readFileSync(path)) } : {}),
  };
}

/** The first certificate of a PEM file (the leaf of a chain). */
function describe(pem: Buffer): NonNullable<InstalledCertificate['x509']> {
  const c = new X509Certificate(pem);
  const names = (c.subjectAltName ?? '')
    .split(', ')
    .flatMap((n) => (n.startsWith('DNS:') ? [n.slice(4)] : []));
  const cn = /^CN=(.*)$/m.exec(c.issuer)?.[1];
  return {
    names,
    issuer: cn ?? c.issuer.replace(/\n/g, ', '),
    notAfter: c.validToDate,
    serial: c.serialNumber,
    selfSigned: c.checkIssued(c) && c.verify(c.publicKey),
  };
}

/**
 * Why a `tls: letsencrypt` certificate must be (re)issued now, or undefined when it need not be:
 * missing, the self-signed stand-in, not for its host, or inside the renewal window.
 */
export function renewalReason(c: InstalledCertificate, now: Date, force = false): string | undefined {
  if (!c.x509) return 'none installed';
  if (c.x509.selfSigned) return 'the self-signed stand-in is installed';
  if (!c.x509.names.includes(c.host))
    return `the installed one is for ${c.x509.names.join(', ') || 'no name'}`;
  const left = c.x509.notAfter.getTime() - now.getTime();
  if (left < RENEW_BEFORE_MS)
    return left <= 0 ? 'expired' : `expires in ${Math.floor(left / (24 * 3600 * 1000))} days`;
  return force ? 'renewal forced' : undefined;
}
