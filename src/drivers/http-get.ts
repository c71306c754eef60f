import { exchange } from './tcp-exchange.ts';

export interface HttpAnswer {
  /** 0 when nothing answered (refused, reset, timed out, not HTTP). */
  status: number;
  body: string;
}

const NOTHING: HttpAnswer = { status: 0, body: '' };
const HEADERS_END = Buffer.from('\r\n\r\n');

/**
 * One HTTP/1.0 GET, on a TCP port or the engine's Unix socket. An HTTP/1.0 request gets an answer
 * without chunking, its length given or ended by the server closing, so the status line, the
 * headers and the body are all there is to read. `up` makes only such requests on loopback, and
 * this costs a fraction of `node:http`, whose first request alone took ~20 ms here (and whose
 * ESM import loads undici for its `WebSocket` export).
 */
export function httpGet(
  target: { path: string } | { host: string; port: number },
  path: string,
  { host, timeoutMs }: { host?: string; timeoutMs: number },
): Promise<HttpAnswer> {
  const request = `GET ${path} HTTP/1.0\r\n${host ? `Host: ${host}\r\n` : ''}\r\n`;
  return exchange(target, request, parse, NOTHING, timeoutMs);
}

/** The answer once it is complete: the whole body by its length, or (`ended`) whatever came. */
function parse(data: Buffer, ended: boolean): HttpAnswer | undefined {
  const end = data.indexOf(HEADERS_END);
  if (end < 0) return ended ? NOTHING : undefined;
  const head = data.subarray(0, end).toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!status) return NOTHING;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const body = data.subarray(end + HEADERS_END.length);
  const short = length ? body.length < Number(length[1]) : !ended;
  if (short) return ended ? NOTHING : undefined;
  return { status: Number(status[1]), body: body.toString('utf8') };
}
