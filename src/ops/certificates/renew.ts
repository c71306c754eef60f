import { createHash, createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { type AcmeAccount, type Http01Webroot, orderCertificate } from '../../drivers/acme/order.ts';
import { isLocalEngine } from '../../drivers/docker/client.ts';
import { sharedContainer } from '../../model/index.ts';
import type { Plan } from '../../plan/index.ts';
import { renderNginx } from '../../render/nginx/index.ts';
import type { Spec } from '../../spec/index.ts';
import {
  type InstalledCertificate,
  installedCertificates,
  readInstalled,
  renewalReason,
} from './installed.ts';
import { waitUntilServed } from './served.ts';

export interface RenewOptions {
  spec: Spec;
  plan: Plan;
  serverDir: string;
  docker: Docker;
  log: (line: string) => void;
  /** Renew every certificate, due or not (`certs renew --force`). */
  force?: boolean;
  now?: Date;
}

export interface RenewResult {
  /** The certificates now installed in place of older ones (or of the stand-ins). */
  renewed: InstalledCertificate[];
  failed: { host: string; reason: string; standIn: boolean }[];
}

/** The proxy serves `/.well-known/acme-challenge/` from here (compose mounts `./acme` at the webroot). */
export function webrootDir(serverDir: string): string {
  return join(serverDir, 'shared', 'acme');
}

/** The nginx folder of the layout, where the certificates the proxy serves are installed. */
export function nginxDirOf(serverDir: string): string {
  return join(serverDir, 'shared', 'nginx');
}

/** The `tls: letsencrypt` certificates the proxy serves, and why each must be issued now (if it must). */
export function certificatesDue(
  spec: Spec,
  plan: Plan,
  serverDir: string,
  now = new Date(),
  force = false,
  /** Also under `tls: selfsigned` (for listing; those are never due). */
  anyTls = false,
): { certificate: InstalledCertificate; reason: string | undefined }[] {
  const tls = spec.shared.proxy.tls;
  if (tls !== 'letsencrypt' && !(anyTls && tls === 'selfsigned')) return [];
  return installedCertificates(nginxDirOf(serverDir), renderNginx({ spec, plan })).map((certificate) => ({
    certificate,
    reason: tls === 'letsencrypt' ? renewalReason(certificate, now, force) : undefined,
  }));
}

/**
 * Issues, over ACME http-01, each `tls: letsencrypt` certificate that is due (the stand-in, or
 * within 30 days of expiry), installs it in place of the old one and reloads the proxy once
 * (nginx's reload lets running requests finish on the old workers). A host whose order fails keeps
 * what it had, and its reason is returned: one host failing never stops the others.
 */
export async function renewCertificates(opts: RenewOptions): Promise<RenewResult> {
  const { spec, serverDir, log } = opts;
  const result: RenewResult = { renewed: [], failed: [] };
  const due = certificatesDue(spec, opts.plan, serverDir, opts.now, opts.force).filter((d) => d.reason);
  if (!due.length) return result;
  const account: AcmeAccount = {
    directory: spec.server.acme.directory,
    key: accountKey(serverDir, spec.server.acme.directory),
    ...(accountEmail(spec) ? { email: accountEmail(spec)! } : {}),
  };
  const webroot = fileWebroot(webrootDir(serverDir));
  const nginxDir = nginxDirOf(serverDir);
  for (const { certificate: c, reason } of due) {
    log(`certificate for ${c.host}: ${reason}; ordering from ${account.directory}`);
    try {
      const issued = await orderCertificate(account, [c.host], webroot);
      checkIssued(issued, c.host);
      writeAtomically(join(nginxDir, c.key), issued.key, 0o600);
      writeAtomically(join(nginxDir, c.cert), issued.chain, 0o644);
      const now = readInstalled(nginxDir, c);
      result.renewed.push(now);
      log(
        `certificate for ${c.host}: issued by ${now.x509?.issuer}, valid until ${now.x509?.notAfter.toISOString()}`,
      );
    } catch (e) {
      const standIn = !c.x509 || c.x509.selfSigned;
      result.failed.push({ host: c.host, reason: (e as Error).message, standIn });
      log(
        `certificate for ${c.host}: FAILED, ${standIn ? 'the self-signed stand-in' : 'the installed one'} keeps serving: ${(e as Error).message}`,
      );
    }
  }
  if (result.renewed.length)
    await opts.docker
      .getContainer(sharedContainer('proxy'))
      .kill({ signal: 'SIGHUP' })
      .catch((e: Error) => {
        throw new Error(
          `${result.renewed.map((c) => c.host).join(', ')}: installed, but the proxy could not be told to reload (it serves them from its next start): ${e.message}`,
        );
      });
  // On this machine's engine, the proxy's published port is here: wait until it serves them.
  if (result.renewed.length && isLocalEngine(opts.docker)) {
    const late = await waitUntilServed(
      spec.server.listen.https,
      result.renewed.map((c) => ({ host: c.host, serial: c.x509!.serial })),
    );
    if (late.length) log(`the proxy does not serve the new certificate for ${late.join(', ')} yet`);
  }
  return result;
}

function accountEmail(spec: Spec): string | undefined {
  return spec.server.acme.email ?? spec.shared.proxy.email;
}

/**
 * The account key for one ACME directory, made on first use and kept beside the layout (not under
 * `shared/`, which containers mount), mode 0600: the account is the key.
 */
function accountKey(serverDir: string, directory: string): string {
  const path = join(
    serverDir,
    'acme-accounts',
    `${createHash('sha256').update(directory).digest('hex').slice(0, 16)}.pem`,
  );
  if (existsSync(path)) return readFileSync(path, 'utf8');
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  writeAtomically(path, pem, 0o600);
  return pem;
}

/** Challenge files under the proxy's webroot, readable by its workers. */
function fileWebroot(root: string): Http01Webroot {
  const dir = join(root, '.well-known', 'acme-challenge');
  return {
    put(token, content) {
      writeAtomically(join(dir, token), content, 0o644);
    },
    remove(token) {
      rmSync(join(dir, token), { force: true });
    },
  };
}

/** What the server sent is a certificate for the host, for the key just made. */
function checkIssued(issued: { key: string; chain: string }, host: string): void {
  const leaf = new X509Certificate(issued.chain);
  if (!leaf.checkHost(host)) throw new Error(`the ACME server issued a certificate that is not for ${host}`);
  if (!leaf.checkPrivateKey(createPrivateKey(issued.key)))
    throw new Error('the ACME server issued a certificate for another key');
}

/** Written to a temporary name and renamed: nginx never reads half a file. */
function writeAtomically(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, content, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}
