import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * A real S3-protocol server in a child process: @20minutes/s3rver, a maintained fork of s3rver
 * that verifies Signature V4 (s3rver 3.7 accepts any V4 signature from a known key id). Both make
 * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider: hence
 * the child and its `--openssl-legacy-provider`. It listens on 127.0.0.1 only, on a port the kernel
 * picks, and exits when its stdin closes (so also when the test process dies).
 */
const serverScript = `
const S3rver = require(${JSON.stringify(createRequire(import.meta.url).resolve('@20minutes/s3rver'))});
const server = new S3rver({
  address: '127.0.0.1', port: 0, silent: true, directory: process.env.S3_DIR,
  configureBuckets: [{ name: process.env.S3_BUCKET }],
});
server.run().then(({ port }) => console.log(JSON.stringify({ port })));
process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
process.stdin.resume();
`;

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** s3rver's built-in account. */
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

export async function startLocalS3(bucket: string): Promise<LocalS3> {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-s3-'));
  const server = spawn(process.execPath, ['--openssl-legacy-provider', '-e', serverScript], {
    env: { ...process.env, S3_DIR: join(dir, 'store'), S3_BUCKET: bucket },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: server.stdout as Readable }), 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    async stop() {
      server.stdin?.end();
      if (server.exitCode === null) await once(server, 'exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
