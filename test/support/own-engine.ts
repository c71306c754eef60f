import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Docker engine of the test's own: a second dockerd with its own data root, exec root, pid file,
 * socket and default bridge, and no iptables rules, so the machine's engine is never touched. (With
 * `--bridge=none` dockerd deletes the device `docker0` at start: the machine engine's bridge.)
 * It can be killed and started again on the same folders, as a crashed engine restarts.
 */
export class OwnEngine {
  readonly dir = mkdtempSync(join(tmpdir(), 'stagecraft-engine-'));
  readonly socket = join(this.dir, 'docker.sock');
  readonly host = `unix://${this.socket}`;
  /** dockerd's own log (its containerd's too), kept beside its folder for a failed run to show. */
  readonly log = `${this.dir}.log`;
  /** Its default bridge, made by the test (dockerd takes an existing device by name). */
  readonly bridge = `scengine${randomBytes(3).toString('hex')}`;
  private daemon: ChildProcess | undefined;

  /** Starts dockerd and waits (with a deadline) until it answers. */
  async start(): Promise<void> {
    if (spawnSync('ip', ['link', 'show', this.bridge], { stdio: 'ignore' }).status !== 0) {
      for (const args of [
        ['link', 'add', 'name', this.bridge, 'type', 'bridge'],
        ['addr', 'add', '198.18.254.1/24', 'dev', this.bridge],
        ['link', 'set', this.bridge, 'up'],
      ]) {
        const r = spawnSync('ip', args, { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr}`);
      }
    }
    this.daemon = spawn(
      'dockerd',
      [
        `--data-root=${join(this.dir, 'data')}`,
        `--exec-root=${join(this.dir, 'exec')}`,
        `--pidfile=${join(this.dir, 'docker.pid')}`,
        `--host=${this.host}`,
        `--bridge=${this.bridge}`,
        '--iptables=false',
        '--ip-masq=false',
        '--ip6tables=false',
      ],
      { stdio: ['ignore', 'ignore', openSync(this.log, 'a')] },
    );
    const deadline = Date.now() + 60_000;
    while (!this.answers()) {
      if (this.daemon.exitCode !== null || Date.now() > deadline) {
        const said = readFileSync(this.log, 'utf8')
          .split('\n')
          .filter((l) => !/grpc|loading plugin/.test(l));
        throw new Error(`the test's own dockerd did not start:\n${said.slice(-30).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  answers(): boolean {
    return spawnSync('docker', ['-H', this.host, 'version'], { stdio: 'ignore' }).status === 0;
  }

  /**
   * The engine crashes: dockerd and its containerd killed with SIGKILL (the containers' shims are
   * left for the next start to clean up), once both are gone.
   */
  async kill(): Promise<void> {
    const d = this.daemon;
    if (!d || d.exitCode !== null || d.signalCode) return;
    const ended = new Promise((r) => d.once('exit', r));
    d.kill('SIGKILL');
    await ended;
    await this.killContainerd('SIGKILL');
  }

  /**
   * Signals dockerd's containerd and waits for its end. Here no init reaps the orphan, and the next
   * dockerd would wait for a zombie named in the pid file: once it is dead, the file goes.
   */
  private async killContainerd(signal: NodeJS.Signals): Promise<void> {
    const file = join(this.dir, 'exec', 'containerd', 'containerd.pid');
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
    if (!(pid > 0)) return;
    try {
      process.kill(pid, signal);
    } catch {}
    const deadline = Date.now() + 30_000;
    const dead = () => {
      const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
      return !stat || /^\d+ \(.*\) Z/.test(stat);
    };
    while (!dead() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    rmSync(file, { force: true });
  }

  /** The machine engine's images, copied into this one (`docker save | docker load`). */
  loadImages(images: string[]): void {
    const saved = spawnSync('docker', ['save', ...images], { maxBuffer: 4 * 1024 ** 3 });
    if (saved.status !== 0) throw new Error(`docker save: ${saved.stderr}`);
    const loaded = spawnSync('docker', ['-H', this.host, 'load'], { input: saved.stdout, encoding: 'utf8' });
    if (loaded.status !== 0) throw new Error(`docker load: ${loaded.stderr}`);
  }

  /** Stops dockerd (its containers stop with it), then its containerd, and deletes its folders. */
  async stop(): Promise<void> {
    const d = this.daemon;
    if (d && d.exitCode === null && !d.signalCode) {
      // Its networks are bridges on this machine: they go while it can still remove them.
      const cli = (...args: string[]) =>
        spawnSync('docker', ['-H', this.host, ...args], { encoding: 'utf8' }).stdout.trim();
      for (const id of cli('network', 'ls', '-q', '--filter', 'type=custom').split('\n').filter(Boolean))
        cli('network', 'rm', id);
      const ended = new Promise((r) => d.once('exit', r));
      d.kill('SIGTERM');
      await ended;
    }
    await this.killContainerd('SIGTERM');
    // Mounts dockerd left (a killed one leaves its overlays) go before the folder does.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(`${this.dir}/`))
      .sort()
      .reverse();
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.log, { force: true });
    spawnSync('ip', ['link', 'delete', this.bridge], { stdio: 'ignore' });
  }
}
