import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as AwsS3 from '@aws-sdk/client-s3';

/**
 * Backups' S3 client: the AWS SDK speaks the protocol (signing, XML, retries, the 200 answer that
 * carries an error); this adds what a backup needs on top: Content-MD5 on every request that sends
 * bytes (the server checks it), the object's size and ETag compared after every upload, the file's
 * SHA-256 kept as metadata and checked on download. Path-style addressing: custom endpoints rarely
 * have wildcard DNS for virtual-hosted buckets. The SDK (~200 ms and ~30 MiB to load) is imported
 * on the first request, so only commands that talk to S3 pay for it. Keys are bucket-absolute;
 * `prefix` is carried for callers that compose keys under it.
 */

export interface S3Config {
  /** `http://127.0.0.1:9000` or `https://s3.eu-central-1.amazonaws.com`. */
  endpoint: string;
  region: string;
  bucket: string;
  /** No leading or trailing slash; empty for the bucket's root. */
  prefix: string;
  accessKey: string;
  secretKey: string;
}

export interface S3ClientOptions {
  /** Bytes per multipart part (default 8 MiB; S3 wants at least 5 MiB for all but the last). */
  partSize?: number;
  /** Parts in flight at once (default 4). */
  concurrency?: number;
  /** A request with no socket activity for this long fails (default 60 s). */
  timeoutMs?: number;
  /** Tries per request on a network error or a 5xx answer (default 3). */
  attempts?: number;
}

export interface ObjectInfo {
  key: string;
  bytes: number;
  /** Without quotes, lower-case. */
  etag: string;
  /** ISO 8601. */
  lastModified: string;
  /** `x-amz-meta-*` headers, without the prefix. */
  metadata: Record<string, string>;
}

export type ObjectSummary = Omit<ObjectInfo, 'metadata'>;

export interface UploadResult {
  key: string;
  bytes: number;
  /** As the server reports it, once checked. */
  etag: string;
  sha256: string;
  /** 0 for a single PUT. */
  parts: number;
}

/** What an uploaded object must show: its size, and an ETag among these (see `expectedEtags`). */
export interface ExpectedObject {
  bytes: number;
  etags: readonly string[];
}

export const PART_SIZE = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;

/** An error answer from the S3 server: its code and message from the XML body. */
export class S3Error extends Error {
  readonly code: string;
  readonly status: number;
  readonly s3Message: string;
  readonly requestId: string | null;

  constructor(init: {
    operation: string;
    status: number;
    code: string;
    message: string;
    requestId: string | null;
  }) {
    const hint = AUTH_CODES.has(init.code) ? ' (check the access key, the secret key and the region)' : '';
    super(`S3 ${init.operation}: ${init.status} ${init.code}: ${init.message}${hint}`);
    this.name = 'S3Error';
    this.code = init.code;
    this.status = init.status;
    this.s3Message = init.message;
    this.requestId = init.requestId;
  }
}

/** The bytes on the server are not the bytes we sent (or the other way round for a download). */
export class S3ChecksumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'S3ChecksumError';
  }
}

const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'AuthorizationHeaderMalformed',
  'Forbidden',
]);

/** `s3://bucket/some/prefix` → `{ bucket, prefix: 'some/prefix' }`. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9.-]+)(?:\/(.*))?$/.exec(url);
  if (!m?.[1]) throw new Error(`"${url}" is not an S3 location: write s3://BUCKET/PREFIX`);
  return { bucket: m[1], prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** A client config from the spec's `backup.remote` (secrets already resolved). */
export function s3ConfigFromRemote(
  remote: { url: string; endpoint?: string | undefined; region: string },
  credentials: { accessKey: string; secretKey: string },
): S3Config {
  const { bucket, prefix } = parseS3Url(remote.url);
  const endpoint = remote.endpoint ?? `https://s3.${remote.region}.amazonaws.com`;
  return { endpoint, region: remote.region, bucket, prefix, ...credentials };
}

type Sdk = typeof AwsS3;

let sdkModule: Promise<Sdk> | undefined;

/** The SDK, imported once, on first use. */
function loadSdk(): Promise<Sdk> {
  sdkModule ??= import('@aws-sdk/client-s3');
  return sdkModule;
}

export class S3Client {
  readonly config: S3Config;
  readonly partSize: number;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  #sdk: { module: Sdk; client: AwsS3.S3Client } | undefined;

  constructor(config: S3Config, options: S3ClientOptions = {}) {
    this.config = config;
    this.partSize = options.partSize ?? PART_SIZE;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#attempts = Math.max(1, options.attempts ?? 3);
    const { protocol } = new URL(config.endpoint);
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new Error(`S3 endpoint "${config.endpoint}" must be an http:// or https:// URL`);
    }
  }

  /** One PUT of a small body, checked against its MD5 afterwards. */
  async putObject(
    key: string,
    body: Buffer | string,
    options: { contentType?: string; metadata?: Record<string, string> } = {},
  ): Promise<UploadResult> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const md5 = createHash('md5').update(bytes).digest();
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await this.#send(`PUT ${this.#where(key)}`, (sdk, client) =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: this.config.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: options.contentType ?? 'application/octet-stream',
          ContentMD5: md5.toString('base64'),
          Metadata: { ...options.metadata, sha256 },
        }),
      ),
    );
    const etag = md5.toString('hex');
    await this.verifyObject(key, { bytes: bytes.length, etags: [etag] });
    return { key, bytes: bytes.length, etag, sha256, parts: 0 };
  }

  /** A file of any size: one PUT up to the part size, a multipart upload above. */
  async uploadFile(key: string, path: string): Promise<UploadResult> {
    const { size } = await stat(path);
    if (size <= this.partSize) return this.putObject(key, await readFile(path));
    return this.multipartUpload(key, path);
  }

  /**
   * Create, upload the parts read from the file (each with its MD5, which the server checks),
   * complete, then compare the object's ETag with the one computed here. Any
   * failure aborts the upload so no orphaned parts are billed. A part is read into memory so that
   * the SDK can send it again on a retry: at most `concurrency` parts at once.
   */
  async multipartUpload(key: string, path: string): Promise<UploadResult> {
    const where = this.#where(key);
    const partSize = partSizeFor((await stat(path)).size, this.partSize);
    const digest = await digestFile(path, partSize);
    const created = await this.#send(`create multipart upload ${where}`, (sdk, client) =>
      client.send(
        new sdk.CreateMultipartUploadCommand({
          Bucket: this.config.bucket,
          Key: key,
          ContentType: 'application/octet-stream',
          Metadata: { sha256: digest.sha256 },
        }),
      ),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new Error(`S3 create multipart upload ${where}: the answer has no UploadId`);

    const file = await open(path);
    try {
      const etags = await inPool(digest.parts, this.#concurrency, async (part) => {
        const answer = await this.#send(`upload part ${part.number} of ${where}`, async (sdk, client) =>
          client.send(
            new sdk.UploadPartCommand({
              Bucket: this.config.bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: part.number,
              Body: await readPart(file, part),
              ContentLength: part.bytes,
              ContentMD5: part.md5.toString('base64'),
            }),
          ),
        );
        const etag = unquote(answer.ETag ?? '');
        if (etag !== part.md5.toString('hex')) {
          throw new S3ChecksumError(
            `S3 upload part ${part.number} of ${where}: the server stored ETag "${etag}", ` +
              `expected the part's MD5 ${part.md5.toString('hex')}`,
          );
        }
        return etag;
      });
      await this.#send(`complete multipart upload ${where}`, (sdk, client) =>
        client.send(
          new sdk.CompleteMultipartUploadCommand({
            Bucket: this.config.bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: etags.map((e, i) => ({ PartNumber: i + 1, ETag: `"${e}"` })) },
          }),
        ),
      );
    } catch (error) {
      await this.#abort(key, uploadId, error);
      throw error;
    } finally {
      await file.close();
    }
    const stored = await this.verifyObject(key, { bytes: digest.bytes, etags: expectedEtags(digest) });
    return {
      key,
      bytes: digest.bytes,
      etag: stored.etag,
      sha256: digest.sha256,
      parts: digest.parts.length,
    };
  }

  /**
   * HEAD the object and compare its size and ETag with what was sent; on a mismatch the object is
   * deleted (a backup that is not ours must not be mistaken for one) and the error thrown.
   */
  async verifyObject(key: string, expected: ExpectedObject): Promise<ObjectInfo> {
    const where = this.#where(key);
    const info = await this.headObject(key);
    if (!info) throw new S3ChecksumError(`S3 ${where}: the object is missing after its upload`);
    const wanted = expected.etags.map((e) => unquote(e));
    if (info.bytes === expected.bytes && wanted.includes(info.etag)) return info;
    let removal = 'it was deleted';
    try {
      await this.deleteObject(key);
    } catch (error) {
      removal = `deleting it failed too: ${(error as Error).message}`;
    }
    throw new S3ChecksumError(
      `S3 ${where}: the server reports ${info.bytes} bytes with ETag "${info.etag}", ` +
        `expected ${expected.bytes} bytes with ETag ${wanted.map((e) => `"${e}"`).join(' or ')}; ${removal}`,
    );
  }

  /** Null when there is no such object. */
  async headObject(key: string): Promise<ObjectInfo | null> {
    const head = await this.#send(
      `HEAD ${this.#where(key)}`,
      (sdk, client) => client.send(new sdk.HeadObjectCommand({ Bucket: this.config.bucket, Key: key })),
      { missing: true },
    );
    if (!head) return null;
    return {
      key,
      bytes: head.ContentLength ?? 0,
      etag: unquote(head.ETag ?? ''),
      lastModified: head.LastModified?.toISOString() ?? '',
      metadata: { ...head.Metadata },
    };
  }

  /** Every object under the prefix (ListObjectsV2, following continuation tokens), by key. */
  async listObjects(prefix: string, options: { maxKeys?: number } = {}): Promise<ObjectSummary[]> {
    const where = `list ${this.#where(prefix)}*`;
    const found: ObjectSummary[] = [];
    let token: string | undefined;
    do {
      const page = await this.#send(where, (sdk, client) =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.config.bucket,
            Prefix: prefix,
            MaxKeys: options.maxKeys,
            ContinuationToken: token,
          }),
        ),
      );
      for (const entry of page.Contents ?? []) {
        found.push({
          key: entry.Key ?? '',
          bytes: entry.Size ?? 0,
          etag: unquote(entry.ETag ?? ''),
          lastModified: entry.LastModified?.toISOString() ?? '',
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && !token)
        throw new Error(`S3 ${where}: truncated answer without a continuation token`);
    } while (token);
    return found;
  }

  /** Succeeds whether or not the object existed, as S3 does. */
  async deleteObject(key: string): Promise<void> {
    await this.#send(`DELETE ${this.#where(key)}`, (sdk, client) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: this.config.bucket, Key: key })),
    );
  }

  /**
   * Download to `path` through `path.partial`, renamed when complete. When the object carries
   * `x-amz-meta-sha256`, the download is checked against it.
   */
  async getObject(key: string, path: string): Promise<{ bytes: number; sha256: string }> {
    const where = this.#where(key);
    const answer = await this.#send(`GET ${where}`, (sdk, client) =>
      client.send(new sdk.GetObjectCommand({ Bucket: this.config.bucket, Key: key })),
    );
    const partial = `${path}.partial`;
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      await pipeline(
        answer.Body as Readable,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            bytes += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(partial),
      );
      const sha256 = hash.digest('hex');
      const length = answer.ContentLength ?? bytes;
      const recorded = answer.Metadata?.sha256;
      if (bytes !== length || (recorded !== undefined && recorded !== sha256)) {
        throw new S3ChecksumError(
          `S3 ${where}: downloaded ${bytes} bytes with SHA-256 ${sha256}, ` +
            `expected ${length} bytes${recorded !== undefined ? ` with SHA-256 ${recorded}` : ''}`,
        );
      }
      await rename(partial, path);
      return { bytes, sha256 };
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async #abort(key: string, uploadId: string, cause: unknown): Promise<void> {
    try {
      await this.#send(`abort multipart upload ${this.#where(key)}`, (sdk, client) =>
        client.send(
          new sdk.AbortMultipartUploadCommand({ Bucket: this.config.bucket, Key: key, UploadId: uploadId }),
        ),
      );
    } catch (error) {
      if (cause instanceof Error)
        cause.message += ` (aborting the upload failed too: ${(error as Error).message})`;
    }
  }

  #where(key: string): string {
    return `s3://${this.config.bucket}/${key}`;
  }

  /**
   * Send one command; an error answer becomes an S3Error naming the operation, a network failure
   * an Error that does. With `missing`, a 404 answer is `undefined` instead.
   */
  async #send<T>(
    operation: string,
    request: (sdk: Sdk, client: AwsS3.S3Client) => Promise<T>,
    options: { missing?: boolean } = {},
  ): Promise<T> {
    const { module, client } = await this.#client();
    try {
      return await request(module, client);
    } catch (error) {
      if (!(error instanceof module.S3ServiceException))
        throw new Error(`S3 ${operation}: ${(error as Error).message}`);
      const status = error.$metadata.httpStatusCode ?? 0;
      if (options.missing && status === 404) return undefined as T;
      // An answer without a body (every HEAD) leaves the SDK only the status to go by.
      const bodiless = error.name === 'Unknown';
      throw new S3Error({
        operation,
        status,
        code: bodiless ? (STATUS_CODES[status] ?? 'Error').replace(/\s+/g, '') : error.name,
        message: bodiless ? 'no error body' : error.message,
        requestId: error.$metadata.requestId ?? null,
      });
    }
  }

  async #client(): Promise<{ module: Sdk; client: AwsS3.S3Client }> {
    if (this.#sdk) return this.#sdk;
    const module = await loadSdk();
    const client = new module.S3Client({
      endpoint: this.config.endpoint,
      region: this.config.region,
      forcePathStyle: true,
      credentials: { accessKeyId: this.config.accessKey, secretAccessKey: this.config.secretKey },
      maxAttempts: this.#attempts,
      requestHandler: { requestTimeout: this.#timeoutMs },
      // Content-MD5 is our check, understood by every S3-compatible server; the SDK's default CRC32
      // trailers are not (s3rver, older MinIO and Ceph).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    // Bucket-level requests (listing) go to /BUCKET, not /BUCKET/: S3 takes both, but s3rver, which
    // canonicalises the path as the v2 SDK sent it, refuses the signature of the latter.
    client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { path?: unknown };
        if (typeof request.path === 'string') request.path = request.path.replace(/^(\/[^/]+)\/$/, '$1');
        return next(args);
      },
      { step: 'build', name: 'bucketPathWithoutSlash' },
    );
    this.#sdk = { module, client };
    return this.#sdk;
  }
}

/** One part of the file, read into memory. */
async function readPart(file: FileHandle, part: FilePart): Promise<Buffer> {
  const buffer = Buffer.alloc(part.bytes);
  const { bytesRead } = await file.read(buffer, 0, part.bytes, part.start);
  if (bytesRead !== part.bytes)
    throw new Error(`the file changed while it was uploaded: part ${part.number} is short`);
  return buffer;
}

/** S3's ETag for a multipart object, then the whole-file MD5 that some S3 servers report instead. */
function expectedEtags(digest: FileDigest): string[] {
  const combined = createHash('md5')
    .update(Buffer.concat(digest.parts.map((p) => p.md5)))
    .digest('hex');
  // AWS, MinIO and Ceph answer with the MD5 of the part MD5s and the part count; s3rver with the
  // MD5 of the whole object. Both are computed here from the bytes that were sent.
  return [`${combined}-${digest.parts.length}`, digest.md5];
}

interface FilePart {
  number: number;
  start: number;
  bytes: number;
  md5: Buffer;
}

interface FileDigest {
  bytes: number;
  md5: string;
  sha256: string;
  parts: FilePart[];
}

/** The part size to use: the configured one, raised in whole MiB when the file needs more than 10,000 parts. */
function partSizeFor(size: number, configured: number): number {
  if (Math.ceil(size / configured) <= MAX_PARTS) return configured;
  return Math.ceil(size / MAX_PARTS / MIB) * MIB;
}

/** One pass over the file: its SHA-256 and MD5, and each part's MD5. */
async function digestFile(path: string, partSize: number): Promise<FileDigest> {
  const whole = { md5: createHash('md5'), sha256: createHash('sha256') };
  const parts: FilePart[] = [];
  let part = { md5: createHash('md5'), bytes: 0 };
  let offset = 0;
  const close = () => {
    parts.push({
      number: parts.length + 1,
      start: offset - part.bytes,
      bytes: part.bytes,
      md5: part.md5.digest(),
    });
    part = { md5: createHash('md5'), bytes: 0 };
  };
  for await (const chunk of createReadStream(path, { highWaterMark: MIB }) as AsyncIterable<Buffer>) {
    whole.md5.update(chunk);
    whole.sha256.update(chunk);
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(partSize - part.bytes, chunk.length - at);
      const slice = chunk.subarray(at, at + take);
      part.md5.update(slice);
      part.bytes += take;
      offset += take;
      at += take;
      if (part.bytes === partSize) close();
    }
  }
  if (part.bytes > 0 || parts.length === 0) close();
  return { bytes: offset, md5: whole.md5.digest('hex'), sha256: whole.sha256.digest('hex'), parts };
}

/** Runs `work` over the items with at most `limit` at once; results in input order; the first failure wins. */
async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}

function unquote(etag: string): string {
  return etag.replace(/"/g, '').trim().toLowerCase();
}
