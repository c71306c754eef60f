import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { installedCertificates, renewalReason } from '../../src/ops/certificates/installed.ts';
import { ensureSelfSignedCertificates } from '../../src/ops/certificates.ts';
import { certificateExpiries } from '../../src/ops/metrics.ts';
import { planEnvironment } from '../../src/plan/index.ts';
import { renderNginx } from '../../src/render/nginx/index.ts';
import { caSigned, testCa } from '../support/certificates.ts';
import { exampleContext } from '../support/render.ts';

const DAY = 24 * 3600 * 1000;

/** beryl3 (tls: letsencrypt): its nginx config, and an empty nginx folder to install certificates in. */
function beryl3() {
  const ctx = exampleContext('beryl3');
  assert.equal(ctx.spec.shared.proxy.tls, 'letsencrypt');
  const artifacts = renderNginx({ spec: ctx.spec, plan: planEnvironment(ctx.spec) });
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-certs-'));
  return { artifacts, dir };
}

/** A certificate for `names` from a throwaway CA, valid for `days`, installed where the proxy reads `host`'s. */
function installCaSigned(dir: string, host: string, names: string[], days: number): void {
  const live = join(dir, 'letsencrypt', 'live', host);
  mkdirSync(live, { recursive: true });
  const ca = testCa(mkdtempSync(join(tmpdir(), 'stagecraft-ca-')), 'Test Issuing CA');
  caSigned(
    ca,
    names.map((n) => `DNS:${n}`),
    days,
    { key: join(live, 'privkey.pem'), cert: join(live, 'fullchain.pem') },
  );
}

describe('installed certificates and when tls: letsencrypt renews them', () => {
  it('every host starts on a self-signed stand-in in the files the ACME one replaces, which is due at once', () => {
    const { artifacts, dir } = beryl3();
    const none = installedCertificates(dir, artifacts);
    assert.ok(none.length >= 2);
    assert.ok(none.every((c) => !c.x509 && renewalReason(c, new Date()) === 'none installed'));
    const made = ensureSelfSignedCertificates(dir, artifacts);
    assert.deepEqual(made.sort(), none.map((c) => c.host).sort());
    const stand = installedCertificates(dir, artifacts).find((c) => c.host === 'beryl3-stage.mdubiel.org')!;
    assert.equal(stand.cert, 'letsencrypt/live/beryl3-stage.mdubiel.org/fullchain.pem');
    assert.equal(stand.x509?.selfSigned, true);
    assert.deepEqual(stand.x509?.names, ['beryl3-stage.mdubiel.org']);
    assert.equal(renewalReason(stand, new Date()), 'the self-signed stand-in is installed');
  });

  it('a CA-issued one is due 30 days before it expires, or when forced, or when it is for another name', () => {
    const { artifacts, dir } = beryl3();
    const host = 'beryl3-stage.mdubiel.org';
    installCaSigned(dir, host, [host], 90);
    const c = installedCertificates(dir, artifacts).find((x) => x.host === host)!;
    assert.equal(c.x509?.selfSigned, false);
    assert.equal(c.x509?.issuer, 'Test Issuing CA');
    const expiry = c.x509!.notAfter.getTime();
    assert.ok(Math.abs(expiry - (Date.now() + 90 * DAY)) < 60_000);
    assert.equal(renewalReason(c, new Date(expiry - 31 * DAY)), undefined);
    assert.equal(renewalReason(c, new Date(expiry - 31 * DAY), true), 'renewal forced');
    assert.equal(renewalReason(c, new Date(expiry - 29 * DAY - 1000)), 'expires in 29 days');
    assert.equal(renewalReason(c, new Date(expiry + 1000)), 'expired');

    installCaSigned(dir, host, ['elsewhere.example'], 90);
    const wrong = installedCertificates(dir, artifacts).find((x) => x.host === host)!;
    assert.equal(renewalReason(wrong, new Date()), 'the installed one is for elsewhere.example');
  });

  it('the expiry metric reads the installed files: the stand-in until the issued one replaces it', () => {
    const { artifacts, dir } = beryl3();
    const host = 'beryl3-stage.mdubiel.org';
    assert.deepEqual(certificateExpiries(dir, artifacts), []);
    ensureSelfSignedCertificates(dir, artifacts);
    const standIn = certificateExpiries(dir, artifacts).find((c) => c.domain === host)!;
    assert.ok(standIn.expiresAt.getTime() > Date.now() + 800 * DAY, 'the stand-in is made for 825 days');
    installCaSigned(dir, host, [host], 20);
    const issued = certificateExpiries(dir, artifacts).find((c) => c.domain === host)!;
    assert.ok(Math.abs(issued.expiresAt.getTime() - (Date.now() + 20 * DAY)) < 60_000);
  });
});
