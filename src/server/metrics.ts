import type { RequestListener } from 'node:http';

/** `GET /metrics` in the text exposition format (the body `read` gives); anything else is 404. */
export function metricsHandler(read: () => Promise<string>): RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://control-plane').pathname;
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    read().then(
      (body) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body),
      (e: Error) => res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${e.message}\n`),
    );
  };
}
