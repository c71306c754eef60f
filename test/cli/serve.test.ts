import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Docker from 'dockerode';
import { demux } from '../../src/drivers/docker/engine.ts';
import { controlPlaneAddresses, metricsHandler } from '../../src/server/index.ts';
import { openStore } from '../../src/state/index.ts';
import { childOutput } from '../support/child-output.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-serve-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('stagecraft serve', () => {
  it('listens on 127.0.0.1 and the docker0 gateway, which a container reaches as host.docker.internal; not 0.0.0.0', async () => {
    const docker = new Docker({ socketPath: '/var/run/docker.sock' });
    const addresses = await controlPlaneAddresses(docker);
    assert.deepEqual(
      addresses.map((a) => a.port),
      [9300, 9300],
    );
    assert.equal(addresses[0]!.host, '127.0.0.1');
    // An address of this machine, and what a container reaches as host.docker.internal (host-gateway).
    const server = createHttpServer(metricsHandler(async () => 'stagecraft_probe 1\n'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, addresses[1]!.host, resolve);
    });
    const port = (server.address() as AddressInfo).port;
    const container = await docker.createContainer({
      name: `stagecraft-serve-probe-${process.pid}`,
      Image: 'stagecraft/demo-app:1',
      Cmd: ['curl', '-sS', '--max-time', '10', `http://host.docker.internal:${port}/metrics`],
      HostConfig: { ExtraHosts: ['host.docker.internal:host-gateway'] },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const logs = demux((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer);
      assert.equal(StatusCode, 0, logs);
      assert.equal(logs, 'stagecraft_probe 1\n');
    } finally {
      await container.remove({ force: true });
      await new Promise((resolve) => server.close(resolve));
    }
    assert.notEqual(addresses[1]!.host, '0.0.0.0');
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
    assert.match(output.err, /SIGTERM: finishing the running jobs/);
  });
});
