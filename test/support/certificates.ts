import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  cert: string;
  key: string;
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

/** A certificate authority of the test's own (openssl, P-256): its certificate and key files in `dir`. */
export function testCa(dir: string, name: string, days = 30): TestCa {
  const ca = { cert: join(dir, 'test-ca.pem'), key: join(dir, 'test-ca.key') };
  openssl(
    ['req', '-x509', ...P256, '-days', String(days), '-subj', `/CN=${name}`].concat([
      '-keyout',
      ca.key,
      '-out',
      ca.cert,
    ]),
  );
  return ca;
}

/**
 * A certificate the CA signs for the subject alternative names `sans` (`DNS:host`, `IP:address`),
 * valid for `days`: its key and certificate written to the paths given.
 */
export function caSigned(ca: TestCa, sans: string[], days: number, out: { key: string; cert: string }): void {
  const work = mkdtempSync(join(tmpdir(), 'stagecraft-csr-'));
  const cn = sans[0]!.replace(/^\w+:/, '');
  openssl(['req', ...P256, '-subj', `/CN=${cn}`, '-keyout', out.key, '-out', join(work, 'csr.pem')]);
  writeFileSync(join(work, 'ext'), `subjectAltName=${sans.join(',')}\n`);
  openssl(
    ['x509', '-req', '-in', join(work, 'csr.pem'), '-CA', ca.cert, '-CAkey', ca.key]
      .concat(['-CAcreateserial', '-CAserial', join(work, 'serial'), '-days', String(days)])
      .concat(['-extfile', join(work, 'ext'), '-out', out.cert]),
  );
}
