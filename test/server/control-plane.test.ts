import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CannotListen, startControlPlane } from '../../src/server/index.ts';
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
        (e: Error) => e instanceof CannotListen && /loopback only/.test(e.message),
      );
    } finally {
      await f.close();
    }
  });
});
