import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerFor } from '../../src/drivers/docker/client.ts';
import { createLock, LOCK_NAME, lockHolder, removeLock } from '../../src/drivers/docker/engine-lock.ts';
import { EngineLocked, withEngineLock } from '../../src/ops/engine-lock.ts';
import { runCli } from '../support/run-cli.ts';
import { onePostgresSpec } from '../support/small-spec.ts';

const root = join(import.meta.dirname, '..', '..');
const docker = dockerFor('local', {});
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-engine-lock-'));
const gone = async () => assert.equal(await lockHolder(docker), undefined, 'the lock is released');
const silent = () => {};

/** Holds the lock until `release` is called; resolves `held` once it has it. */
function holdLock(command: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let held!: () => void;
  const taken = new Promise<void>((r) => {
    held = r;
  });
  const done = withEngineLock(docker, { command, log: silent }, async () => {
    held();
    await released;
  });
  return { taken, release, done };
}

/**
 * The engine lock: one container name on the engine, so two operations from any checkout or
 * machine exclude each other. Real engine; the lock container is this test's while it runs.
 */
describe('the engine lock', () => {
  before(async () => {
    const held = await lockHolder(docker);
    if (held) await removeLock(docker, held.id);
    writeFileSync(
      join(dir, 'staging.yaml'),
      onePostgresSpec('lockshop', 3).replace('environment: preview', 'environment: staging'),
    );
  });
  after(async () => {
    await runCli(['down', '--volumes'], { cwd: dir });
    const held = await lockHolder(docker);
    if (held) await removeLock(docker, held.id);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second holder, naming the first (user, host, pid, command, since), and lets go after', async () => {
    const first = holdLock('up shop');
    await first.taken;
    let ran = false;
    await assert.rejects(
      withEngineLock(docker, { command: 'down', log: silent }, async () => {
        ran = true;
      }),
      (e: Error) =>
        e instanceof EngineLocked &&
        e.message.includes(
          `${userInfo().username}@${hostname()} pid ${process.pid} (stagecraft up shop, since `,
        ) &&
        e.message.includes('stagecraft unlock') &&
        e.message.includes(`docker rm ${LOCK_NAME}`),
    );
    assert.equal(ran, false, 'the second operation never ran');
    first.release();
    await first.done;
    await gone();
  });

  it('with a wait, the second runs once the first lets go, never while it holds', async () => {
    const first = holdLock('up');
    await first.taken;
    let firstDone = false;
    const order: string[] = [];
    const second = withEngineLock(
      docker,
      {
        command: 'up',
        waitMs: 60_000,
        log: (line) => {
          // Let go only once the second is seen waiting.
          if (line.startsWith('waiting for the engine lock')) {
            order.push('waiting');
            firstDone = true;
            first.release();
          }
        },
      },
      async () => {
        order.push(firstDone ? 'second ran after the first' : 'second ran while the first held it');
      },
    );
    await second;
    await first.done;
    assert.deepEqual(order, ['waiting', 'second ran after the first']);
    await gone();
  });

  it('takes over a lock whose holder on this host is gone, and says so', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const pid = Number(dead.stdout);
    const since = new Date().toISOString();
    assert.ok(await createLock(docker, { user: 'ghost', host: hostname(), pid, command: 'up', since }));
    const lines: string[] = [];
    const result = await withEngineLock(
      docker,
      { command: 'down', log: (l) => lines.push(l) },
      async () => 'ran',
    );
    assert.equal(result, 'ran');
    assert.deepEqual(lines, [
      `took over the engine lock of ghost@${hostname()} pid ${pid} (stagecraft up, since ${since}): that process is gone`,
    ]);
    await gone();
  });

  it('up refuses with exit 1 while another holds the lock, and changes nothing', async () => {
    const first = holdLock('rollback shop');
    await first.taken;
    try {
      const r = await runCli(['up'], { cwd: dir });
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /the engine is locked by .* \(stagecraft rollback shop, since .*\)/);
      const network = spawnSync('docker', ['network', 'inspect', 'lockshop-internal'], { encoding: 'utf8' });
      assert.match(network.stderr, /not found/i, 'no network was created');
    } finally {
      first.release();
      await first.done;
    }
    await gone();
  });

  it('of two ups at once, one converges and the other refuses, naming it; then down clears it', async () => {
    const [a, b] = await Promise.all([runCli(['up'], { cwd: dir }), runCli(['up'], { cwd: dir })]);
    const [won, lost] = a.code === 0 ? [a, b] : [b, a];
    assert.equal(won.code, 0, won.err);
    assert.equal(lost.code, 1, lost.err);
    assert.match(lost.err, /the engine is locked by .* \(stagecraft up, since .*\)/);
    await gone();
    const down = await runCli(['down', '--volumes'], { cwd: dir });
    assert.equal(down.code, 0, down.err);
    assert.match(down.out, /removed 3 containers and 1 volumes/);
  });

  it('a process that holds the lock lets go of it on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { dockerFor } from ${JSON.stringify(join(root, 'src/drivers/docker/client.ts'))};
         import { withEngineLock } from ${JSON.stringify(join(root, 'src/ops/engine-lock.ts'))};
         await withEngineLock(dockerFor('local', {}), { command: 'up', log: () => {} }, async () => {
           console.log('locked');
           await new Promise(() => setInterval(() => {}, 1000));
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()),
    );
    assert.equal((await lockHolder(docker))?.holder.pid, child.pid);
    const exit = new Promise<number | null>((r) => child.on('exit', r));
    child.kill('SIGTERM');
    assert.equal(await exit, 143);
    await gone();
  });
});
