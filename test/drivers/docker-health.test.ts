import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { waitHealthy } from '../../src/drivers/docker/engine.ts';

/**
 * `up`'s health gate on the real engine, with containers of this test's own (base image). The
 * engine runs a container's first check only after one interval (here a minute); the gate runs the
 * same check itself and lets the container through on its first pass.
 */
describe('waitHealthy on the real engine', () => {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const made: string[] = [];

  before(() => {
    // The base image comes with any recipe (this test may run before the end-to-end one builds them all).
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'stagecraft');
    const r = spawnSync(bin, ['images', 'build', '--only', 'redis'], { encoding: 'utf8', timeout: 900_000 });
    assert.equal(r.status, 0, r.stderr);
  });

  after(async () => {
    for (const name of made)
      await docker
        .getContainer(name)
        .remove({ force: true })
        .catch(() => {});
  });

  async function start(name: string, command: string, test: string[]): Promise<void> {
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => {});
    const c = await docker.createContainer({
      name,
      Image: 'stagecraft/base:bookworm',
      Cmd: ['sh', '-c', command],
      Labels: { 'io.stagecraft.test': 'docker-health' },
      Healthcheck: { Test: test, Interval: 60e9, Timeout: 3e9, Retries: 3, StartPeriod: 0 },
    });
    made.push(name);
    await c.start();
  }

  const status = async (name: string) => (await docker.getContainer(name).inspect()).State.Health?.Status;

  it('lets a container through on its own check passing, before the engine has checked (shell form)', async () => {
    const name = 'stagecraft-test-health-shell';
    await start(name, 'touch /tmp/ready; exec sleep 300', ['CMD-SHELL', 'test -e /tmp/ready']);
    await waitHealthy(docker, name, 30_000);
    assert.equal(await status(name), 'starting', 'the engine has not run its first check yet');
  });

  it('waits while the check fails and lets the container through once it passes (exec form)', async () => {
    const name = 'stagecraft-test-health-exec';
    await start(name, 'exec sleep 300', ['CMD', 'test', '-e', '/tmp/ready']);
    let ready = false;
    const gate = waitHealthy(docker, name, 30_000).then(() => {
      ready = true;
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(ready, false, 'not through while the check fails');
    const exec = await docker.getContainer(name).exec({ Cmd: ['touch', '/tmp/ready'] });
    ((await exec.start({ Detach: true })) as unknown as NodeJS.ReadableStream).resume();
    await gate;
    assert.equal(await status(name), 'starting');
  });

  it('gives up at its time limit when the check never passes, and names the container', async () => {
    const name = 'stagecraft-test-health-never';
    await start(name, 'exec sleep 300', ['CMD-SHELL', 'exit 1']);
    await assert.rejects(
      waitHealthy(docker, name, 2000),
      /stagecraft-test-health-never was not healthy within 2 s/,
    );
  });
});
