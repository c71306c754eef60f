import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { freePort } from './http.ts';

/**
 * Debian's `docker-registry` (the CNCF distribution registry) on 127.0.0.1 with htpasswd auth and
 * its storage in a temporary folder: a real private registry for pull tests. The engine pulls from
 * 127.0.0.1 over plain HTTP (loopback registries are insecure-allowed by default).
 */
export interface TestRegistry {
  /** `127.0.0.1:PORT`, as image references name it. */
  host: string;
  username: string;
  password: string;
  stop(): void;
}

/** `auth: false`: no htpasswd, for an upstream that a pull-through cache reaches (distribution 2.8 logs in to token-auth upstreams only). */
export async function startRegistry(username: string, password: string, auth = true): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-registry-'));
  const port = await freePort();
  const entry = spawnSync('htpasswd', ['-Bbn', username, password], { encoding: 'utf8' });
  if (entry.status !== 0) throw new Error(`htpasswd: ${entry.stderr}`);
  writeFileSync(join(dir, 'htpasswd'), entry.stdout);
  mkdirSync(join(dir, 'data'));
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }
http: { addr: 127.0.0.1:${port} }
${auth ? `auth: { htpasswd: { realm: stagecraft-test, path: ${join(dir, 'htpasswd')} } }\n` : ''}`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: 'ignore',
  });
  const stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await answers(`http://127.0.0.1:${port}/v2/`, child, auth ? 401 : 200);
  } catch (e) {
    stop();
    throw e;
  }
  return { host: `127.0.0.1:${port}`, username, password, stop };
}

/** Until the registry answers (401 without credentials), or it exits, or 20 s pass. */
async function answers(url: string, child: ChildProcess, expected: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${url}`);
}

/** Removes an image reference the test made, if it is still there. */
export function removeImage(docker: Docker, ref: string): Promise<void> {
  return docker
    .getImage(ref)
    .remove()
    .then(
      () => {},
      () => {},
    );
}
