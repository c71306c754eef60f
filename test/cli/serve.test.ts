import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CONTROL_PLANE_ADDRESSES, controlPlaneSocket } from '../../src/server/index.ts';
import { openStore } from '../../src/state/index.ts';
import { childOutput } from '../support/child-output.ts';
import { freePort } from '../support/http.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-serve-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function getOnSocket(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('stagecraft serve', () => {
  it('listens on 127.0.0.1 only by default, and for Prometheus on a socket in the folder only the proxy mounts', () => {
    assert.deepEqual(CONTROL_PLANE_ADDRESSES, [{ host: '127.0.0.1', port: 9300 }]);
    assert.equal(controlPlaneSocket('/srv/stage'), '/srv/stage/shared/control-plane/metrics.sock');
  });

  it('serves /metrics from the store, says what it scheduled, and stops on SIGTERM with exit 0', async () => {
    const spec = join(dir, 'staging.yaml');
    writeFileSync(
      spec,
      `version: 1
environment: preview
server: { domain: servelab.test, capacity: { cpus: 8, memory: 8GiB }, images: local }
network: { shared: 10.248.0.0/24, projects: 10.249.0.0/16, projectSize: 24 }
projects:
  servelab:
    services:
      nightly: { type: cron, image: stagecraft/base:bookworm, schedule: "0 4 * * *", command: "true" }
`,
    );
    const store = await openStore({ path: join(dir, '.stagecraft', 'state.db') });
    await store.addEvent({
      project: 'servelab',
      kind: 'cron',
      message: 'cron nightly failed (exit 3)',
      data: {
        service: 'nightly',
        ok: false,
        outcome: 'failed',
        code: 3,
        startedAt: '2030-01-01T04:00:00.000Z',
      },
    });
    await store.close();

    // A socket left by a serve that died: replaced, not an error.
    const stale = controlPlaneSocket(join(dir, '.stagecraft', 'server'));
    mkdirSync(dirname(stale), { recursive: true });
    const bound = spawnSync('python3', [
      '-c',
      'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
      stale,
    ]);
    assert.equal(bound.status, 0, String(bound.stderr));
    assert.ok(statSync(stale).isSocket());

    const port = await freePort();
    const apiPort = await freePort();
    const child = spawn(
      bin,
      ['serve', '--spec', spec, '--listen', `127.0.0.1:${port}`, '--api', `127.0.0.1:${apiPort}`],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
      },
    );
    const output = childOutput(child);
    try {
      // Read by content: the schedule lines come after the 'serving' line, in a later write.
      await output.until(new RegExp(`serving http://127\\.0\\.0\\.1:${port}/metrics`));
      await output.until(/cron servelab\/nightly {2}0 4 \* \* \* {2}next \d{4}-\d\d-\d\dT04:00:00\.000Z/);

      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(metrics.status, 200);
      assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      assert.match(
        await metrics.text(),
        /^stagecraft_cron_last_run_success\{project="servelab",service="nightly"\} 0$/m,
      );
      assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);

      // The socket Prometheus reads through the proxy: the same metrics, any local user may connect.
      const socket = controlPlaneSocket(join(dir, '.stagecraft', 'server'));
      await output.until(new RegExp(`unix:${socket.replace(/[.]/g, '\\.')}:/metrics`));
      assert.equal(statSync(socket).mode & 0o777, 0o666);
      const viaSocket = await getOnSocket(socket, '/metrics');
      assert.equal(viaSocket.status, 200);
      assert.match(
        viaSocket.body,
        /^stagecraft_cron_last_run_success\{project="servelab",service="nightly"\} 0$/m,
      );

      // The API on a listener of its own: /metrics is not there, and it is not on /metrics' listener.
      await output.until(new RegExp(`API on http://127\\.0\\.0\\.1:${apiPort}/api/v1/`));
      assert.equal((await fetch(`http://127.0.0.1:${apiPort}/api/v1/projects`)).status, 401);
      assert.equal((await fetch(`http://127.0.0.1:${apiPort}/metrics`)).status, 404);
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/v1/projects`)).status, 404);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await output.closed, 0, output.err);
    assert.match(output.out, /✓ stopped/);
    assert.ok(!existsSync(controlPlaneSocket(join(dir, '.stagecraft', 'server'))), 'the socket goes with it');
    assert.match(output.err, /SIGTERM: finishing the running jobs/);
  });
});
