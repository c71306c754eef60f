import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerFor } from '../../src/drivers/docker/client.ts';

/** A real sshd on 127.0.0.1 that the test starts, in front of this machine's Docker engine. */
let sshd: ChildProcess;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-sshd-'));
const key = join(dir, 'id_ed25519');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

before(async () => {
  port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('cp', [`${key}.pub`, join(dir, 'authorized_keys')]);
  mkdirSync('/run/sshd', { recursive: true });
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ].join('\n'),
  );
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createServer();
      c.once('error', () => resolve(true));
      c.listen(port, '127.0.0.1', () => c.close(() => resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('sshd did not start');
});

after(() => {
  sshd?.kill();
});

describe('the Docker driver over SSH (a real sshd on 127.0.0.1)', () => {
  it('reaches the engine as ssh://root@127.0.0.1:PORT and sees the same engine as the socket', async () => {
    const remote = dockerFor(`ssh://root@127.0.0.1:${port}`, { STAGECRAFT_SSH_KEY: key });
    const local = dockerFor('local', {});
    const [r, l] = await Promise.all([remote.info(), local.info()]);
    assert.equal(r.ID, l.ID);
    const images = await remote.listImages({ filters: { reference: ['stagecraft/base'] } });
    const localImages = await local.listImages({ filters: { reference: ['stagecraft/base'] } });
    assert.deepEqual(images.map((i) => i.Id).sort(), localImages.map((i) => i.Id).sort());
  });

  it('fails clearly with a key the server does not accept', async () => {
    const other = join(dir, 'other');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    await assert.rejects(
      dockerFor(`ssh://root@127.0.0.1:${port}`, { STAGECRAFT_SSH_KEY: other }).ping(),
      /authentication|auth/i,
    );
  });
});
