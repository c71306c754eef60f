import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { encodeKeyPath, sha256Hex, signRequest, uriEncode } from './sigv4.ts';

/**
 * A small S3 client over node:http(s): path-style addressing (custom endpoints rarely have
 * wildcard DNS for virtual-hosted buckets), Signature V4, and a checksum check after every upload.
 * Keys are bucket-absolute; `prefix` is carried for callers that compose keys under it.
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

type Body = Buffer | { path: string; start: number; bytes: number };

interface S3Request {
  operation: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Body;
  /** Hex SHA-256 of the body when the caller has it already. */
  payloadHash?: string;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class S3Client {
  readonly config: S3Config;
  readonly partSize: number;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #endpoint: URL;

  constructor(config: S3Config, options: S3ClientOptions = {}) {
    this.config = config;
    this.partSize = options.partSize ?? PART_SIZE;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#attempts = Math.max(1, options.attempts ?? 3);
    this.#endpoint = new URL(config.endpoint);
    if (this.#endpoint.protocol !== 'http:' && this.#endpoint.protocol !== 'https:') {
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
    const sha256 = sha256Hex(bytes);
    await this.#call({
      operation: `PUT ${this.#where(key)}`,
      method: 'PUT',
      key,
      headers: {
        'content-type': options.contentType ?? 'application/octet-stream',
        'content-md5': md5.toString('base64'),
        ...metadataHeaders({ ...options.metadata, sha256 }),
      },
      body: bytes,
      payloadHash: sha256,
    });
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
   * Create, upload the parts streamed from the file (each with its MD5 and SHA-256, which S3
   * checks), complete, then compare the object's ETag with the one computed here. Any failure
   * aborts the upload so no orphaned parts are billed.
   */
  async multipartUpload(key: string, path: string): Promise<UploadResult> {
    const where = this.#where(key);
    const partSize = partSizeFor((await stat(path)).size, this.partSize);
    const digest = await digestFile(path, partSize);
    const created = await this.#call({
      operation: `create multipart upload ${where}`,
      method: 'POST',
      key,
      query: { uploads: '' },
      headers: { 'content-type': 'application/octet-stream', ...metadataHeaders({ sha256: digest.sha256 }) },
    });
    const uploadId = xmlValue(created.body.toString('utf8'), 'UploadId');
    if (!uploadId) throw new Error(`S3 create multipart upload ${where}: the answer has no UploadId`);

    try {
      const etags = await inPool(digest.parts, this.#concurrency, async (part) => {
        const answer = await this.#call({
          operation: `upload part ${part.number} of ${where}`,
          method: 'PUT',
          key,
          query: { partNumber: String(part.number), uploadId },
          headers: { 'content-md5': part.md5.toString('base64') },
          body: { path, start: part.start, bytes: part.bytes },
          payloadHash: part.sha256,
        });
        const etag = unquote(String(answer.headers.etag ?? ''));
        if (etag !== part.md5.toString('hex')) {
          throw new S3ChecksumError(
            `S3 upload part ${part.number} of ${where}: the server stored ETag "${etag}", ` +
              `expected the part's MD5 ${part.md5.toString('hex')}`,
          );
        }
        return etag;
      });
      const manifest = etags.map(
        (e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${e}"</ETag></Part>`,
      );
      const body = Buffer.from(`<CompleteMultipartUpload>${manifest.join('')}</CompleteMultipartUpload>`);
      const completed = await this.#call({
        operation: `complete multipart upload ${where}`,
        method: 'POST',
        key,
        query: { uploadId },
        headers: { 'content-type': 'application/xml' },
        body,
      });
      // S3 may answer 200 and still fail: the error is then in the body.
      throwIfErrorBody(`complete multipart upload ${where}`, completed);
    } catch (error) {
      await this.#abort(key, uploadId, error);
      throw error;
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
    const answer = await this.#call({ operation: `HEAD ${this.#where(key)}`, method: 'HEAD', key }, [404]);
    if (answer.status === 404) return null;
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice(11)] = value;
    }
    return {
      key,
      bytes: Number(answer.headers['content-length'] ?? 0),
      etag: unquote(String(answer.headers.etag ?? '')),
      lastModified: isoTime(answer.headers['last-modified']),
      metadata,
    };
  }

  /** Every object under the prefix (ListObjectsV2, following continuation tokens), by key. */
  async listObjects(prefix: string, options: { maxKeys?: number } = {}): Promise<ObjectSummary[]> {
    const found: ObjectSummary[] = [];
    let token: string | null = null;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix };
      if (options.maxKeys !== undefined) query['max-keys'] = String(options.maxKeys);
      if (token) query['continuation-token'] = token;
      const answer = await this.#call({ operation: `list ${this.#where(prefix)}*`, method: 'GET', query });
      const xml = answer.body.toString('utf8');
      for (const entry of xmlBlocks(xml, 'Contents')) {
        found.push({
          key: xmlValue(entry, 'Key') ?? '',
          bytes: Number(xmlValue(entry, 'Size') ?? 0),
          etag: unquote(xmlValue(entry, 'ETag') ?? ''),
          lastModified: isoTime(xmlValue(entry, 'LastModified') ?? undefined),
        });
      }
      const truncated = xmlValue(xml, 'IsTruncated') === 'true';
      token = truncated ? xmlValue(xml, 'NextContinuationToken') : null;
      if (truncated && !token) {
        throw new Error(`S3 list ${this.#where(prefix)}*: truncated answer without a continuation token`);
      }
    } while (token);
    return found;
  }

  /** Succeeds whether or not the object existed, as S3 does. */
  async deleteObject(key: string): Promise<void> {
    await this.#call({ operation: `DELETE ${this.#where(key)}`, method: 'DELETE', key });
  }

  /**
   * Download to `path` through `path.partial`, renamed when complete. When the object carries
   * `x-amz-meta-sha256`, the download is checked against it.
   */
  async getObject(key: string, path: string): Promise<{ bytes: number; sha256: string }> {
    const where = this.#where(key);
    const request: S3Request = { operation: `GET ${where}`, method: 'GET', key };
    const response = await this.#openWithRetries(request);
    if (response.statusCode !== 200) {
      throwIfError(request.operation, {
        status: response.statusCode ?? 0,
        headers: response.headers,
        body: await readAll(response),
      });
    }
    const partial = `${path}.partial`;
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      await pipeline(
        response,
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
      const length = Number(response.headers['content-length'] ?? bytes);
      const recorded = response.headers['x-amz-meta-sha256'];
      if (bytes !== length || (typeof recorded === 'string' && recorded !== sha256)) {
        throw new S3ChecksumError(
          `S3 ${where}: downloaded ${bytes} bytes with SHA-256 ${sha256}, ` +
            `expected ${length} bytes${typeof recorded === 'string' ? ` with SHA-256 ${recorded}` : ''}`,
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
      await this.#call({
        operation: `abort multipart upload ${this.#where(key)}`,
        method: 'DELETE',
        key,
        query: { uploadId },
      });
    } catch (error) {
      if (cause instanceof Error)
        cause.message += ` (aborting the upload failed too: ${(error as Error).message})`;
    }
  }

  #where(key: string): string {
    return `s3://${this.config.bucket}/${key}`;
  }

  /** Send, read the whole answer, throw an S3Error for a status that is neither 2xx nor allowed. */
  async #call(request: S3Request, allowed: readonly number[] = []): Promise<Answer> {
    const response = await this.#openWithRetries(request);
    const answer = {
      status: response.statusCode ?? 0,
      headers: response.headers,
      body: await readAll(response),
    };
    if (!allowed.includes(answer.status)) throwIfError(request.operation, answer);
    return answer;
  }

  async #openWithRetries(request: S3Request): Promise<http.IncomingMessage> {
    for (let attempt = 1; ; attempt++) {
      let response: http.IncomingMessage;
      try {
        response = await this.#open(request);
      } catch (error) {
        if (attempt >= this.#attempts)
          throw new Error(`S3 ${request.operation}: ${(error as Error).message}`);
        await sleep(200 * 2 ** attempt);
        continue;
      }
      if ((response.statusCode ?? 0) < 500 || attempt >= this.#attempts) return response;
      response.resume();
      await sleep(200 * 2 ** attempt);
    }
  }

  #open(request: S3Request): Promise<http.IncomingMessage> {
    const base = this.#endpoint.pathname.replace(/\/+$/, '');
    const path = `${base}/${uriEncode(this.config.bucket)}${request.key === undefined ? '' : `/${encodeKeyPath(request.key)}`}`;
    const query = request.query ?? {};
    const queryString = Object.entries(query)
      .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
      .join('&');
    const body = request.body;
    const length = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.bytes;
    const payloadHash = request.payloadHash ?? sha256Hex(Buffer.isBuffer(body) ? body : Buffer.alloc(0));
    const headers = signRequest(
      {
        method: request.method,
        path,
        query,
        headers: {
          host: this.#endpoint.host,
          ...request.headers,
          // S3 wants a length on every upload-like request, also an empty one (no chunked encoding).
          ...(body !== undefined || request.method === 'PUT' || request.method === 'POST'
            ? { 'content-length': String(length) }
            : {}),
        },
        payloadHash,
      },
      this.config,
      this.config.region,
    );
    const transport = this.#endpoint.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request({
        protocol: this.#endpoint.protocol,
        hostname: this.#endpoint.hostname,
        port: this.#endpoint.port || undefined,
        method: request.method,
        path: queryString ? `${path}?${queryString}` : path,
        headers,
      });
      req.setTimeout(this.#timeoutMs, () => req.destroy(new Error(`no answer for ${this.#timeoutMs} ms`)));
      req.once('response', resolve);
      req.once('error', reject);
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        const source = createReadStream(body.path, { start: body.start, end: body.start + body.bytes - 1 });
        pipeline(source, req).catch((error: Error) => {
          req.destroy(error);
          reject(error);
        });
      }
    });
  }
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
  sha256: string;
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

/** One pass over the file: its SHA-256 and MD5, and each part's MD5 and SHA-256. */
async function digestFile(path: string, partSize: number): Promise<FileDigest> {
  const whole = { md5: createHash('md5'), sha256: createHash('sha256') };
  const parts: FilePart[] = [];
  let part = { md5: createHash('md5'), sha256: createHash('sha256'), bytes: 0 };
  let offset = 0;
  const close = () => {
    parts.push({
      number: parts.length + 1,
      start: offset - part.bytes,
      bytes: part.bytes,
      md5: part.md5.digest(),
      sha256: part.sha256.digest('hex'),
    });
    part = { md5: createHash('md5'), sha256: createHash('sha256'), bytes: 0 };
  };
  for await (const chunk of createReadStream(path, { highWaterMark: MIB }) as AsyncIterable<Buffer>) {
    whole.md5.update(chunk);
    whole.sha256.update(chunk);
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(partSize - part.bytes, chunk.length - at);
      const slice = chunk.subarray(at, at + take);
      part.md5.update(slice);
      part.sha256.update(slice);
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

function metadataHeaders(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k.toLowerCase()}`, v]));
}

function throwIfError(operation: string, answer: Answer): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const xml = answer.body.toString('utf8');
  const requestId = xmlValue(xml, 'RequestId') ?? headerValue(answer.headers['x-amz-request-id']);
  throw new S3Error({
    operation,
    status: answer.status,
    // A HEAD answer has no body, so only the status tells what went wrong.
    code: xmlValue(xml, 'Code') ?? (http.STATUS_CODES[answer.status] ?? 'Error').replace(/\s+/g, ''),
    message: xmlValue(xml, 'Message') ?? (xml.trim() || 'no error body'),
    requestId,
  });
}

function throwIfErrorBody(operation: string, answer: Answer): void {
  const xml = answer.body.toString('utf8');
  if (!/<Error>/.test(xml)) return;
  throwIfError(operation, { ...answer, status: answer.status < 300 ? 500 : answer.status });
}

function headerValue(value: string | string[] | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function unquote(etag: string): string {
  return etag.replace(/"/g, '').trim().toLowerCase();
}

function isoTime(value: string | string[] | undefined): string {
  const at = new Date(typeof value === 'string' ? value : Number.NaN);
  return Number.isNaN(at.getTime()) ? '' : at.toISOString();
}

async function readAll(response: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function xmlBlocks(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  return [...xml.matchAll(pattern)].map((m) => m[1] ?? '');
}

function xmlValue(xml: string, tag: string): string | null {
  const raw = xmlBlocks(xml, tag)[0];
  return raw === undefined ? null : decodeXml(raw);
}

function decodeXml(text: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return named[entity] ?? whole;
  });
}
