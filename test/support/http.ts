import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';

export interface Answer {
  status: number;
  body: string;
  /** Why there was no answer (status 0): ECONNRESET, ECONNREFUSED, ETIMEDOUT… */
  error?: string;
}

/**
 * One request to 127.0.0.1:`port`, with a Host header when given (`fetch` drops one set by hand).
 * A fresh connection each time (agent: false): tests run commands with spawnSync, which blocks the
 * event loop, so a pooled keep-alive socket the proxy closed meanwhile would still look alive here
 * and fail at once (ECONNRESET), an error of the test's client, not of the proxy. No answer is
 * status 0 with the error that tells a dropped connection from a missing or a silent server.
 */
export function httpRequest(
  port: number,
  path: string,
  opts: { host?: string; method?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.host ? { Host: opts.host } : {},
        timeout: opts.timeoutMs ?? 5000,
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ status: 0, body: '', error: e.code ?? e.message }),
    );
    req.end();
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
