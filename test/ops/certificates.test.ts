import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { certificatePathsIn, ensureSelfSignedCertificates } from '../../src/ops/certificates.ts';
import { planEnvironment } from '../../src/plan/index.ts';
import { renderNginx } from '../../src/render/nginx/index.ts';
import { nginxTest } from '../support/nginx.ts';
import { exampleContext, writeToTemp } from '../support/render.ts';

describe('self-signed certificates for tls: selfsigned', () => {
  it('are made for every host the config names, once, and then nginx -t passes', () => {
    const ctx = exampleContext('beryl3');
    const spec = {
      ...ctx.spec,
      shared: { ...ctx.spec.shared, proxy: { ...ctx.spec.shared.proxy, tls: 'selfsigned' as const } },
    };
    const artifacts = renderNginx({ spec, plan: planEnvironment(spec) });
    const needed = certificatePathsIn(artifacts);
    assert.ok(needed.some((c) => c.cert === 'certs/beryl3-stage.mdubiel.org.crt'));
    const dir = join(writeToTemp(artifacts), 'shared', 'nginx');
    const test = () => nginxTest(dir);
    assert.notEqual(test().status, 0, 'without certificates nginx does not start');
    const made = ensureSelfSignedCertificates(dir, artifacts);
    assert.equal(made.length, needed.length);
    const r = test();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(ensureSelfSignedCertificates(dir, artifacts), [], 'kept, not remade');
  });
});
