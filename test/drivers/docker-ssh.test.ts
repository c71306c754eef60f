import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildContext } from '../../src/drivers/docker/build.ts';
import { dockerFor } from '../../src/drivers/docker/client.ts';
import { waitHealthy } from '../../src/drivers/docker/engine.ts';
import { inspectImage, pullImage, pushImage } from '../../src/drivers/docker/pull.ts';
import { HostKeyRejected } from '../../src/drivers/ssh/index.ts';
import { freePort } from '../support/http.ts';
import { removeImage, startRegistry } from '../support/registry.ts';

/**
 * A real sshd on 127.0.0.1 that the test starts, in front of this machine's Docker engine, with
 * its own host keys (ed25519 and ecdsa); each test trusts them through a known_hosts file of its
 * own, named by STAGECRAFT_KNOWN_HOSTS.
 */
let sshd: ChildProcess;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-sshd-'));
const key = join(dir, 'id_ed25519');
const hostKey = join(dir, 'host_key');
const ecdsaHostKey = join(dir, 'host_key_ecdsa');

/** The sshd's public host key as a known_hosts line for [127.0.0.1]:PORT. */
function knownHostsLine(pub = `${hostKey}.pub`): string {
  const [type, blob] = readFileSync(pub, 'utf8').trim().split(/\s+/);
  return `[127.0.0.1]:${port} ${type} ${blob}\n`;
}

let files = 0;
/** A fresh known_hosts file with these contents, and the env that points the driver at it. */
function knownHosts(text: string, extra: Record<string, string> = {}) {
  const file = join(dir, `known_hosts.${++files}`);
  writeFileSync(file, text);
  return { file, env: { STAGECRAFT_SSH_KEY: key, STAGECRAFT_KNOWN_HOSTS: file, ...extra } };
}

/** What `ssh-keygen -lf` says the fingerprint of a public key is. */
function fingerprint(pub: string): string {
  return execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1]!;
}

before(async () => {
  port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', ecdsaHostKey]);
  execFileSync('cp', [`${key}.pub`, join(dir, 'authorized_keys')]);
  mkdirSync('/run/sshd', { recursive: true });
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `HostKey ${ecdsaHostKey}`,
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
    const remote = dockerFor(`ssh://root@127.0.0.1:${port}`, knownHosts(knownHostsLine()).env);
    const local = dockerFor('local', {});
    const [r, l] = await Promise.all([remote.info(), local.info()]);
    assert.equal(r.ID, l.ID);
    const images = await remote.listImages({ filters: { reference: ['stagecraft/base'] } });
    const localImages = await local.listImages({ filters: { reference: ['stagecraft/base'] } });
    assert.deepEqual(images.map((i) => i.Id).sort(), localImages.map((i) => i.Id).sort());
  });

  it('builds a context and pulls with credentials over SSH, as up does for a remote engine', async () => {
    const remote = dockerFor(`ssh://root@127.0.0.1:${port}`, knownHosts(knownHostsLine()).env);
    const local = dockerFor('local', {});
    const context = join(dir, 'context');
    mkdirSync(context);
    writeFileSync(join(context, 'Dockerfile'), 'FROM stagecraft/base:bookworm\nCOPY hello.txt /hello.txt\n');
    writeFileSync(join(context, 'hello.txt'), `built over ssh ${Date.now()}\n`);
    const tag = 'stagecraft-ssh-build:test';
    const registry = await startRegistry('ci', 'ssh-pull-password');
    const repository = `${registry.host}/ssh/base`;
    try {
      const lines: string[] = [];
      await buildContext(
        remote,
        { context, files: ['Dockerfile', 'hello.txt'], dockerfile: 'Dockerfile', args: {} },
        tag,
        (line) => lines.push(line),
      );
      assert.ok(
        lines.some((l) => /COPY hello\.txt/.test(l)),
        lines.join('\n'),
      );
      assert.ok(await inspectImage(local, tag), 'the image the build made over SSH is on the engine');

      const auth = { username: 'ci', password: 'ssh-pull-password', serveraddress: registry.host };
      await pushImage(local, tag, repository, '1', auth);
      await local.getImage(`${repository}:1`).remove();
      const layers: string[] = [];
      await pullImage(remote, repository, '1', auth, (layer) => layers.push(layer.status));
      assert.ok(await inspectImage(local, `${repository}:1`), 'pulled over SSH with the credentials');
      await assert.rejects(
        pullImage(remote, repository, '1', { ...auth, password: 'wrong' }, () => {}),
        /unauthorized|authentication required|no basic auth/i,
      );
    } finally {
      registry.stop();
      for (const ref of [tag, `${repository}:1`]) await removeImage(local, ref);
    }
  });

  it('fails clearly with a key the server does not accept', async () => {
    const other = join(dir, 'other');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const { env } = knownHosts(knownHostsLine());
    await assert.rejects(
      dockerFor(`ssh://root@127.0.0.1:${port}`, { ...env, STAGECRAFT_SSH_KEY: other }).ping(),
      /authentication|auth/i,
    );
  });
});

describe('the SSH host key (a real sshd on 127.0.0.1)', () => {
  const url = () => `ssh://root@127.0.0.1:${port}`;

  it('refuses an unknown host, naming the key type and the fingerprint ssh-keygen -lf gives', async () => {
    const { file, env } = knownHosts('');
    const err = await dockerFor(url(), env)
      .ping()
      .then(
        () => assert.fail('connected to an unknown host'),
        (e: Error) => e,
      );
    assert.ok(err instanceof HostKeyRejected, String(err));
    assert.ok(
      err.message.includes(`127.0.0.1 port ${port} is unknown: ssh-ed25519 ${fingerprint(`${hostKey}.pub`)}`),
      err.message,
    );
    assert.ok(err.message.includes(`ssh-keyscan -p ${port} -t ed25519 127.0.0.1 >> ${file}`), err.message);
    assert.equal(readFileSync(file, 'utf8'), '', 'nothing is recorded without accept-new');
  });

  it('refuses a changed key, even with accept-new', async () => {
    const impostor = join(dir, 'impostor');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', impostor]);
    const { file, env } = knownHosts(knownHostsLine(`${impostor}.pub`), { STAGECRAFT_SSH_ACCEPT_NEW: '1' });
    const before = readFileSync(file, 'utf8');
    await assert.rejects(dockerFor(url(), env).ping(), (e: Error) => {
      assert.ok(e instanceof HostKeyRejected, String(e));
      assert.match(e.message, /has CHANGED/);
      assert.match(e.message, /man-in-the-middle/);
      assert.ok(e.message.includes(fingerprint(`${hostKey}.pub`)), e.message);
      assert.ok(e.message.includes(fingerprint(`${impostor}.pub`)), e.message);
      return true;
    });
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('with STAGECRAFT_SSH_ACCEPT_NEW=1 records a new host once, and the next connection trusts it', async () => {
    const { file, env } = knownHosts('# mine\n', { STAGECRAFT_SSH_ACCEPT_NEW: '1' });
    const notices: string[] = [];
    const docker = dockerFor(url(), env, { onHostKeyAdded: (m) => notices.push(m) });
    await Promise.all([docker.ping(), docker.ping()]);
    assert.equal(readFileSync(file, 'utf8'), `# mine\n${knownHostsLine()}`);
    assert.equal(notices.length, 1);
    assert.ok(notices[0]!.includes(fingerprint(`${hostKey}.pub`)), notices[0]);
    const strict = { STAGECRAFT_SSH_KEY: key, STAGECRAFT_KNOWN_HOSTS: file };
    assert.equal(String(await dockerFor(url(), strict).ping()), 'OK');
  });

  it('trusts a hashed entry (ssh-keygen -H)', async () => {
    const { file, env } = knownHosts(knownHostsLine());
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    assert.match(readFileSync(file, 'utf8'), /^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    assert.equal(String(await dockerFor(url(), env).ping()), 'OK');
  });

  it('asks for the key type on record when the server has several (here only its ecdsa key is known)', async () => {
    const { env } = knownHosts(knownHostsLine(`${ecdsaHostKey}.pub`));
    assert.equal(String(await dockerFor(url(), env).ping()), 'OK');
  });

  it('refuses a host key revoked in known_hosts', async () => {
    const { env } = knownHosts(
      `${knownHostsLine()}@revoked * ${knownHostsLine().split(' ').slice(1).join(' ')}`,
    );
    await assert.rejects(dockerFor(url(), env).ping(), /REVOKED/);
  });

  it("the health gate over SSH runs the container's own check, not waiting for the engine's first one", async () => {
    const remote = dockerFor(`ssh://root@127.0.0.1:${port}`, knownHosts(knownHostsLine()).env);
    const names = ['passes', 'fails'].map((n) => `stagecraft-ssh-gate-${n}`);
    spawnSync('docker', ['rm', '-f', ...names]);
    try {
      for (const [name, check] of [
        [names[0]!, 'test -e /etc/hostname'],
        [names[1]!, 'test -e /nowhere'],
      ])
        execFileSync('docker', [
          ...['run', '-d', '--name', name!, '--health-cmd', check!, '--health-interval', '60s'],
          ...['stagecraft/base:bookworm', 'sleep', '300'],
        ]);
      const started = Date.now();
      await waitHealthy(remote, names[0]!);
      assert.ok(Date.now() - started < 20_000, 'long before the engine checks (60 s)');
      const health = (name: string) =>
        execFileSync('docker', ['inspect', '-f', '{{.State.Health.Status}}', name], {
          encoding: 'utf8',
        }).trim();
      assert.equal(health(names[0]!), 'starting', 'the engine has not checked yet');
      await assert.rejects(waitHealthy(remote, names[1]!, 3000), /not healthy within 3 s/);
    } finally {
      spawnSync('docker', ['rm', '-f', ...names]);
    }
  });

  it('fails the command with exit 1 and the fingerprint on an unknown host', () => {
    const ws = mkdtempSync(join(tmpdir(), 'stagecraft-ssh-cli-'));
    const root = join(import.meta.dirname, '..', '..');
    cpSync(join(root, 'examples', 'demo', 'staging.yaml'), join(ws, 'staging.yaml'));
    const spec = readFileSync(join(ws, 'staging.yaml'), 'utf8').replace('host: local', `host: ${url()}`);
    writeFileSync(join(ws, 'staging.yaml'), spec);
    const { env } = knownHosts('');
    // images build connects first; the refused host key stops it before it builds anything.
    const r = spawnSync(join(root, 'bin', 'stagecraft'), ['images', 'build'], {
      cwd: ws,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: ws, ...env },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.includes(`ssh-ed25519 ${fingerprint(`${hostKey}.pub`)}`), r.stderr);
    assert.match(r.stderr, /ssh-keyscan -p \d+ -t ed25519 127\.0\.0\.1/);
  });
});
