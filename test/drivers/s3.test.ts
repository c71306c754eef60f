import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  parseS3Url,
  S3ChecksumError,
  S3Client,
  type S3Config,
  S3Error,
  s3ConfigFromRemote,
} from '../../src/drivers/s3/index.ts';
import { parseDumpKey, pruneRemote, remoteKey, uploadBackup } from '../../src/ops/backup/remote.ts';
import { backupsToPrune } from '../../src/ops/backup/retention.ts';
import { type LocalS3, startLocalS3 } from '../support/s3-server.ts';

/** Against a real S3-protocol server in a child process (test/support/s3-server.ts). */
const BUCKET = 'backups';
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-s3-'));
let server: LocalS3;
let config: S3Config;

function client(overrides: Partial<S3Config> = {}, options: ConstructorParameters<typeof S3Client>[1] = {}) {
  return new S3Client({ ...config, ...overrides }, options);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

before(async () => {
  server = await startLocalS3(BUCKET);
  config = {
    endpoint: server.endpoint,
    region: 'us-east-1',
    bucket: BUCKET,
    prefix: 'postgres',
    accessKey: server.accessKey,
    secretKey: server.secretKey,
  };
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('loading the AWS SDK', () => {
  const root = join(import.meta.dirname, '..', '..');
  /** The modules a child process resolved while it ran `args`, with a hook on every resolution. */
  function modulesResolvedBy(args: string[]): string[] {
    const hook = join(dir, 'record-modules.mjs');
    writeFileSync(
      hook,
      `import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on('exit', () => process.stderr.write('MODULES ' + JSON.stringify([...seen]) + '\\n'));
`,
    );
    const result = spawnSync(process.execPath, ['--no-warnings', '--import', hook, ...args], {
      cwd: root,
      encoding: 'utf8',
    });
    const line = result.stderr.split('\n').find((l) => l.startsWith('MODULES '));
    assert.ok(line, `no module list from ${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(line.slice('MODULES '.length)) as string[];
  }
  const sdk = (urls: string[]) => urls.filter((u) => u.includes('/@aws-sdk/'));

  it('validate and plan never load it; the driver loads it on its first request', () => {
    for (const command of ['validate', 'plan']) {
      const urls = modulesResolvedBy(['src/cli/main.ts', command, 'examples/beryl3/staging.yaml']);
      assert.ok(
        urls.some((u) => u.endsWith('/src/spec/index.ts')),
        `${command} read the spec`,
      );
      assert.deepEqual(sdk(urls), [], command);
    }
    const program = (request: string) =>
      `import { S3Client } from './src/drivers/s3/index.ts';
const client = new S3Client({ endpoint: '${config.endpoint}', region: 'us-east-1', bucket: 'backups', prefix: '', accessKey: 'S3RVER', secretKey: 'S3RVER' });
${request}`;
    assert.deepEqual(sdk(modulesResolvedBy(['--input-type=module', '-e', program('')])), []);
    const used = modulesResolvedBy([
      '--input-type=module',
      '-e',
      program("await client.headObject('nothing');"),
    ]);
    assert.ok(sdk(used).some((u) => u.includes('/@aws-sdk/client-s3/')));
  });
});

describe('S3 configuration', () => {
  it('parses s3://BUCKET/PREFIX and defaults the endpoint to AWS in the region', () => {
    assert.deepEqual(parseS3Url('s3://beryl3-backups/postgres/'), {
      bucket: 'beryl3-backups',
      prefix: 'postgres',
    });
    assert.deepEqual(parseS3Url('s3://b'), { bucket: 'b', prefix: '' });
    assert.throws(() => parseS3Url('https://b/x'), /"https:\/\/b\/x" is not an S3 location/);
    assert.deepEqual(
      s3ConfigFromRemote({ url: 's3://b/p/q', region: 'eu-central-1' }, { accessKey: 'a', secretKey: 's' }),
      {
        endpoint: 'https://s3.eu-central-1.amazonaws.com',
        region: 'eu-central-1',
        bucket: 'b',
        prefix: 'p/q',
        accessKey: 'a',
        secretKey: 's',
      },
    );
  });
});

describe('S3 client against a local S3 server', () => {
  it('uploads a 20 MiB file in 3 parts, checks its ETag, and gets it back byte for byte', async (t) => {
    const path = join(dir, 'big.dump');
    const data = randomBytes(20 * 1024 * 1024 + 12_345);
    writeFileSync(path, data);
    const s3 = client();
    const started = performance.now();
    const result = await s3.uploadFile('postgres/big.dump', path);
    const uploadMs = performance.now() - started;
    t.diagnostic(`20 MiB multipart upload (3 parts, with ETag check): ${uploadMs.toFixed(0)} ms`);
    assert.equal(result.parts, 3);
    assert.equal(result.bytes, data.length);
    assert.equal(result.sha256, sha256(data));
    const md5s = [0, 1, 2].map((i) =>
      createHash('md5')
        .update(data.subarray(i * 8 * 1024 * 1024, (i + 1) * 8 * 1024 * 1024))
        .digest(),
    );
    // S3, MinIO and Ceph report the MD5 of the part MD5s with the part count; s3rver the MD5 of the
    // whole object. The check accepts either, both computed from the file.
    const multipart = `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-3`;
    const whole = createHash('md5').update(data).digest('hex');
    assert.ok([multipart, whole].includes(result.etag), `ETag ${result.etag}`);
    t.diagnostic(`the server reported the ${result.etag === multipart ? 'multipart' : 'whole-object'} ETag`);

    const head = await s3.headObject('postgres/big.dump');
    assert.equal(head?.bytes, data.length);
    assert.equal(head?.metadata.sha256, sha256(data));

    const copy = join(dir, 'big.copy');
    const got = await s3.getObject('postgres/big.dump', copy);
    assert.deepEqual(got, { bytes: data.length, sha256: sha256(data) });
    assert.ok(readFileSync(copy).equals(data));
    assert.ok(!existsSync(`${copy}.partial`));
  });

  it('puts a small object in one request, with its MD5 as ETag and its SHA-256 as metadata', async () => {
    const s3 = client();
    const body = Buffer.from('hello, backups\n');
    const result = await s3.putObject('small/hello.txt', body, { contentType: 'text/plain' });
    assert.equal(result.parts, 0);
    assert.equal(result.etag, createHash('md5').update(body).digest('hex'));
    const head = await s3.headObject('small/hello.txt');
    assert.equal(head?.metadata.sha256, sha256(body));
    assert.equal(head?.bytes, body.length);
    assert.equal(await s3.headObject('small/nothing-here'), null);
  });

  it('a checksum mismatch after upload deletes the object and throws', async () => {
    const s3 = client();
    await s3.putObject('corrupt/a.dump', Buffer.from('the real bytes'));
    await assert.rejects(
      s3.verifyObject('corrupt/a.dump', { bytes: 14, etags: ['0123456789abcdef0123456789abcdef'] }),
      (error: Error) =>
        error instanceof S3ChecksumError &&
        /expected 14 bytes with ETag "0123456789abcdef0123456789abcdef"; it was deleted/.test(error.message),
    );
    assert.equal(await s3.headObject('corrupt/a.dump'), null);
  });

  it('lists a prefix across pages (max-keys 2) and nothing outside it', async () => {
    const s3 = client();
    // Spaces, '+', '=' and non-ASCII test the path encoding. (No XML specials: s3rver escapes them twice.)
    const wanted = Array.from({ length: 7 }, (_, i) => `list/a/item ${i} +=é.txt`);
    for (const key of [...wanted, 'list/b/other.txt', 'list/ab.txt']) await s3.putObject(key, key);
    const listed = await s3.listObjects('list/a/', { maxKeys: 2 });
    assert.deepEqual(listed.map((o) => o.key).sort(), wanted.sort());
    assert.ok(listed.every((o) => o.bytes > 0 && /^[0-9a-f]{32}$/.test(o.etag) && o.lastModified !== ''));
    assert.deepEqual(await s3.listObjects('list/none/'), []);
  });

  it('a missing object: GET fails with NoSuchKey and leaves no file', async () => {
    const target = join(dir, 'missing.dump');
    await assert.rejects(client().getObject('postgres/missing.dump', target), (error: Error) => {
      assert.ok(error instanceof S3Error);
      assert.equal(error.code, 'NoSuchKey');
      assert.equal(error.status, 404);
      return true;
    });
    assert.ok(!existsSync(target) && !existsSync(`${target}.partial`));
  });

  it('bad credentials give a clear error', async () => {
    await assert.rejects(client({ accessKey: 'NOBODY' }).putObject('x/y', 'z'), (error: Error) => {
      assert.ok(error instanceof S3Error);
      assert.equal(error.code, 'InvalidAccessKeyId');
      assert.equal(error.status, 403);
      assert.match(
        error.message,
        /^S3 PUT s3:\/\/backups\/x\/y: 403 InvalidAccessKeyId: .*check the access key/,
      );
      return true;
    });
    await assert.rejects(client({ secretKey: 'wrong' }).listObjects('x/'), (error: Error) => {
      assert.ok(error instanceof S3Error);
      assert.equal(error.code, 'SignatureDoesNotMatch');
      assert.match(error.message, /The request signature we calculated does not match/);
      assert.doesNotMatch(error.message, /wrong/, 'the secret is not in the message');
      return true;
    });
    // A HEAD answer has no body: the status is all there is.
    await assert.rejects(client({ secretKey: 'wrong' }).headObject('small/hello.txt'), /403 Forbidden/);
  });

  it('a failed part aborts the multipart upload', async () => {
    // A proxy that fails the second part once, and records what the client asked for.
    const seen: string[] = [];
    const target = new URL(config.endpoint);
    const proxy = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://proxy');
      seen.push(
        `${req.method} ${url.searchParams.has('partNumber') ? `part ${url.searchParams.get('partNumber')}` : url.search}`,
      );
      if (url.searchParams.get('partNumber') === '2') {
        req.resume();
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end(
          '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>',
        );
        return;
      }
      const upstream = http.request(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      const path = join(dir, 'abort.dump');
      writeFileSync(path, randomBytes(17 * 1024 * 1024));
      const s3 = client({ endpoint: `http://127.0.0.1:${port}` }, { attempts: 1, concurrency: 1 });
      await assert.rejects(s3.uploadFile('postgres/abort.dump', path), /upload part 2 .*500 InternalError/);
      assert.ok(
        seen.some((s) => s.startsWith('DELETE ?uploadId=')),
        `no abort in ${seen.join(', ')}`,
      );
      assert.ok(
        !seen.includes('PUT part 3') && !seen.some((s) => s.startsWith('POST ?uploadId=')),
        'completed',
      );
      assert.equal(await client().headObject('postgres/abort.dump'), null);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('remote backups', () => {
  it('names: the series and the time come from the dump file name', () => {
    assert.deepEqual(parseDumpKey('pg/beryl3-main-db-20250301T020000Z.dump'), {
      key: 'pg/beryl3-main-db-20250301T020000Z.dump',
      series: 'beryl3-main-db',
      createdAt: '2025-03-01T02:00:00.000Z',
    });
    assert.equal(parseDumpKey('pg/beryl3-db-20250301T020000Z.dump.sha256'), null);
    assert.equal(parseDumpKey('pg/beryl3-db-20250230T020000Z.dump'), null);
    assert.equal(
      remoteKey('pg/', '/opt/backups/beryl3/beryl3-db-20250301T020000Z.dump'),
      'pg/beryl3-db-20250301T020000Z.dump',
    );
  });

  it('uploads dumps and prunes each series as retention says, leaving other objects alone', async () => {
    const s3 = client();
    const prefix = 'prune';
    const keep = { daily: 5, weekly: 2, monthly: 0 };
    const local = mkdtempSync(join(dir, 'dumps-'));
    const keys: string[] = [];
    for (let i = 0; i < 20; i++) {
      const stamp = new Date(Date.UTC(2025, 2, 1 + i, 2)).toISOString().replace(/[-:]|\.\d{3}/g, '');
      const file = join(local, `beryl3-db-${stamp}.dump`);
      writeFileSync(file, `dump ${i}`, { flag: 'w' });
      const key = remoteKey(prefix, file);
      await uploadBackup(s3, file, key);
      keys.push(key);
    }
    await s3.putObject(`${prefix}/beryl3-cache-20250301T020000Z.dump`, 'other series');
    await s3.putObject(`${prefix}/README.txt`, 'not a dump');
    const inUse = keys[2] ?? '';

    const { deleted, decisions } = await pruneRemote(s3, prefix, keep, { protect: new Set([inUse]) });

    const expectedGone = backupsToPrune(
      keys.map((key) => ({ id: key, createdAt: parseDumpKey(key)?.createdAt ?? '', verified: null })),
      keep,
      { protect: new Set([inUse]) },
    );
    assert.deepEqual([...deleted].sort(), [...expectedGone].sort());
    const left = (await s3.listObjects(`${prefix}/`)).map((o) => o.key).sort();
    assert.deepEqual(
      left.map((k) => k.slice(prefix.length + 1)),
      [
        'README.txt',
        'beryl3-cache-20250301T020000Z.dump', // a series of its own: its newest
        'beryl3-db-20250303T020000Z.dump', // protected
        'beryl3-db-20250316T020000Z.dump', // weekly and daily (a Sunday)
        'beryl3-db-20250317T020000Z.dump', // daily
        'beryl3-db-20250318T020000Z.dump',
        'beryl3-db-20250319T020000Z.dump',
        'beryl3-db-20250320T020000Z.dump', // newest
      ],
    );
    assert.ok(decisions.some((d) => d.id === inUse && d.reasons.includes('protected')));
  });
});
