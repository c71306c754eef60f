import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CannotListen, startControlPlane } from '../../src/server/index.ts';
import { caSigned, testCa } from '../support/certificates.ts';
import { apiFixture } from './api-fixture.ts';

/** The real listeners of `serve`, over the fixture's store and an engine address nothing answers on. */
describe('the control plane listeners', () => {
  it('serves the API on a listener of its own, and stops with an event stream open', async () => {
    const f = await apiFixture();
    try {
      const plane = await startControlPlane({
        running: f.running,
        addresses: [{ host: '127.0.0.1', port: 0 }],
        api: { host: '127.0.0.1', port: 0 },
        log: () => {},
      });
      const metricsUrl = plane.urls[0]!;
      const api = plane.apiUrl!;
      assert.match(api, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/$/);
      assert.equal((await fetch(`${api}projects`)).status, 401);
      const listed = await fetch(`${api}projects`, {
        headers: { authorization: `Bearer ${f.token('admin')}` },
      });
      assert.deepEqual(
        ((await listed.json()) as { name: string }[]).map((p) => p.name),
        ['beryl3'],
      );
      assert.equal(
        (await fetch(new URL('/metrics', api))).status,
        404,
        '/metrics is not on the API listener',
      );
      assert.equal(
        (await fetch(new URL('/api/v1/projects', metricsUrl))).status,
        404,
        'nor the API on /metrics’',
      );
      assert.equal((await fetch(metricsUrl)).status, 200);

      const events = await fetch(`${api}events`, {
        headers: { authorization: `Bearer ${f.token('viewer')}` },
      });
      const reader = events.body!.getReader();
      assert.match(new TextDecoder().decode((await reader.read()).value), /^: stagecraft events/);
      await plane.stop();
      // The stream ends with the listener instead of holding stop() open.
      for (
        let r = await reader.read().catch(() => ({ done: true }));
        !r.done;
        r = await reader.read().catch(() => ({ done: true }))
      ) {}
    } finally {
      await f.close();
    }
  });

  it('refuses an API address off this machine’s loopback (no TLS), before listening anywhere', async () => {
    const f = await apiFixture();
    try {
      await assert.rejects(
        startControlPlane({
          running: f.running,
          addresses: [{ host: '127.0.0.1', port: 0 }],
          api: { host: '0.0.0.0', port: 0 },
          log: () => {},
        }),
        (e: Error) => e instanceof CannotListen && /only with TLS/.test(e.message),
      );
    } finally {
      await f.close();
    }
  });

  it('serves the API over HTTPS with the certificate it is given, and no plain HTTP there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagecraft-api-tls-'));
    const ca = testCa(dir, 'stagecraft api test CA');
    caSigned(ca, ['IP:127.0.0.1'], 1, { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') });
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const trusted = readFileSync(ca.cert, 'utf8');
    const f = await apiFixture();
    try {
      const plane = await startControlPlane({
        running: f.running,
        addresses: [{ host: '127.0.0.1', port: 0 }],
        api: { host: '127.0.0.1', port: 0, tls: { cert, key: readFileSync(join(dir, 'key.pem'), 'utf8') } },
        log: () => {},
      });
      try {
        const api = plane.apiUrl!;
        assert.match(api, /^https:\/\/127\.0\.0\.1:\d+\/api\/v1\/$/);
        const status = (url: string, ca?: string) =>
          new Promise<number | string>((resolve) => {
            const req = (url.startsWith('https') ? httpsGet : httpGet)(
              url,
              { ...(ca ? { ca } : {}), agent: false },
              (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
              },
            );
            req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
          });
        assert.equal(
          await status(`${api}projects`, trusted),
          401,
          'the API answers over TLS, its certificate checked against the CA that signed it',
        );
        assert.equal(
          await status(`${api}projects`),
          'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
          'a client that does not trust it is refused',
        );
        assert.equal(typeof (await status(api.replace('https:', 'http:'))), 'string', 'no plain HTTP answer');
      } finally {
        await plane.stop();
      }
    } finally {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
